from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "remove-identity"


def test_identity_and_dropout_between_ops_are_dropped():
    b = OnnxBuilder((2, 3, 5, 4))
    r = b.node("Relu", ["x"])
    d = b.node("Dropout", [b.node("Identity", [r])])
    case = PassCase(b, [b.node("Sigmoid", [d])], NAME)
    assert case.run() is True
    assert case.ops() == ["relu", "sigmoid"]
    assert case.only("sigmoid").inputs == [r]
    assert "identity2" not in case.graph.values and d not in case.graph.values


def test_identity_at_the_output_keeps_the_output_name():
    b = OnnxBuilder((2, 3, 5, 4))
    out = b.node("Identity", [b.node("Relu", ["x"])])
    case = PassCase(b, [out], NAME)
    assert case.run() is True
    assert case.ops() == ["relu"]
    assert case.graph.outputs == [out] and case.only("relu").outputs == [out]


def test_identity_from_input_to_output_stays():
    b = OnnxBuilder((2, 3, 5, 4))
    PassCase(b, [b.node("Identity", ["x"])], NAME).assert_no_change()
