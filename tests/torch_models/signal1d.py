"""A small 1-D convolutional network over a multi-channel signal (written for irc's tests):
strided and dilated Conv1d, BatchNorm1d, MaxPool1d, AvgPool1d, then Flatten and Linear."""

from torch import nn


class Signal1d(nn.Module):
    def __init__(self, channels=3, width=8, length=32, classes=5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(channels, width, 5, stride=2, padding=2), nn.BatchNorm1d(width), nn.ReLU(),
            nn.MaxPool1d(2),
            nn.Conv1d(width, width, 3, dilation=2, padding=2), nn.ReLU(),
            nn.AvgPool1d(3, stride=1, padding=1, count_include_pad=True),
        )
        self.classifier = nn.Linear(width * (length // 4), classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))
