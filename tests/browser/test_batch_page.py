"""The demo page of a model exported at batch 3 (irc/frontend/batch.py): irc.show with a
batch runs the samples one by one and shows each sample's top 5, which must be ONNX
Runtime's on the batch-3 model."""

import numpy as np

from irc.bundle.manifest import read_manifest
from irc.cli import main
from tests.browser.page_driver import drive, served
from tests.browser.test_page import VALUE_ATOL, runtime_flat
from tests.e2e.test_batch import conv_net
from tests.onnx_models import run_ort


def test_generic_page_runs_a_batch_sample_by_sample(tmp_path):
    builder, model = conv_net(3)
    (tmp_path / "m.onnx").write_bytes(model.SerializeToString())
    out = tmp_path / "out"
    assert main(["compile", str(tmp_path / "m.onnx"), "--no-probe", "-o", str(out)]) == 0
    entry = read_manifest(out)["inputs"][0]
    x = builder.input()
    samples = [{entry["name"]: runtime_flat(x[i:i + 1], entry)} for i in range(3)]
    with served(out) as url:
        [result] = drive(url, [{"query": "gpu=0", "show": samples}], tmp_path)

    assert (result["ready"]["kind"], result["errors"]) == ("generic", [])
    [section] = result["shown"][0]
    assert section["stats"] is not None
    # drive_page.js drops the first header row of the page's top-5 tables; skip the others
    top = [(int(index), float(value)) for _, index, value in section["top"] if index != "index"]
    expected = next(iter(run_ort(model, {builder.input_name: x}).values()))
    assert len(top) == 3 * 5                          # a top-5 table per sample, in sample order
    for i, scores in enumerate(expected):
        order = np.argsort(-scores)[:5]
        shown = top[5 * i:5 * i + 5]
        assert [index for index, _ in shown] == order.tolist()
        assert np.abs(np.array([value for _, value in shown]) - scores[order]).max() <= VALUE_ATOL
