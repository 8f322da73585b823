"""A tiny generator whose Dense is wider than WebGL textures go (test_wide_dense.py)."""

import chainer
import chainer.functions as F
import chainer.links as L

N_HIDDEN = 8
CHANNELS, SIDE = 512, 6
UNITS = SIDE * SIDE * CHANNELS         # 18432: more than MAX_TEXTURE_SIZE on SwiftShader (8192) and most GPUs (16384)


class WideGenerator(chainer.Chain):
    """z -> Linear to UNITS -> BatchNormalization, ReLU -> (CHANNELS, SIDE, SIDE) ->
    Deconvolution2D to 3 x 2*SIDE x 2*SIDE -> sigmoid: the DCGAN generator's projection, small."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l0 = L.Linear(N_HIDDEN, UNITS)
            self.bn0 = L.BatchNormalization(UNITS)
            self.dc = L.Deconvolution2D(CHANNELS, 3, 4, 2, 1)

    def forward(self, z):
        h = F.relu(self.bn0(self.l0(z)))
        return F.sigmoid(self.dc(F.reshape(h, (len(z), CHANNELS, SIDE, SIDE))))
