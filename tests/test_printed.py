"""textbook.printed: the one rule for "the report's numbers are ours rounded / cut at its digits"; prose.listed, spaced."""
import numpy as np
import pytest

from textbook import listed, printed, spaced


def test_parse_reads_nested_lists_unicode_minus_and_the_decimals():
    numbers, decimals = printed.parse("[[−0.4403985, 0.4403985], [0.5, 2.0]]")
    np.testing.assert_array_equal(numbers, [-0.4403985, 0.4403985, 0.5, 2.0])
    assert decimals == 7


def test_rounded_cut_and_differs_are_told_apart():
    sigma2 = 1 / (1 + np.exp(-2.0))                     # 0.88079707...
    assert printed.how("[0.8808, 0.8808]", [sigma2, sigma2]) == "rounded"
    assert printed.how("0.8807970", sigma2) == "cut"    # rounding gives 0.8807971
    assert printed.how("0.8806", sigma2) == "differs"
    assert printed.how("[0.5, 0.5]", [0.5, 0.5, 0.5]) == "differs"     # another count of numbers


def test_reasons_name_the_digits_and_show_ours_in_the_report_layout():
    sigma2 = 1 / (1 + np.exp(-2.0))
    assert printed.row_reason("[0.8808, 0.8808]", [sigma2, sigma2]) == (
        "the report's numbers are ours rounded to the 4 decimals it prints")
    assert printed.row_reason("0.8807970", sigma2) == (
        "the report's number is ours cut, not rounded, after the 7 decimals it prints (0.880797078 rounds to 0.8807971)")
    assert printed.row_reason("[[0.1, 0.2]]", [[-0.0, 0.25]]) == "the report's numbers differ from ours, [[0.0, 0.2]]"
    assert printed.layout("[−0.0]", [-1e-9]) == "[0.0]"


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="printed must be a number or a \\(nested\\) list.*'0.5 or so'"):
        printed.how("0.5 or so", 0.5)
    with pytest.raises(TypeError, match="printed must be the report's text \\(str\\); received float"):
        printed.how(0.5, 0.5)
    with pytest.raises(ValueError, match="ours must be finite"):
        printed.how("0.5", float("nan"))


def test_listed_joins_as_prose():
    assert listed(["a"]) == "a"
    assert listed(["a", "b"]) == "a and b"
    assert listed([1, 2, 3]) == "1, 2 and 3"
    with pytest.raises(ValueError, match="items must name at least one thing"):
        listed([])


def test_the_printed_verdict_says_how_the_reports_digits_relate_to_ours():
    assert printed.verdict("[−0.4404, 0.4404]", [-0.44039853, 0.44039853]) == "agrees to the 4 decimals it prints"
    assert printed.verdict("0.8807970", 0.880797078) == "equals ours cut after the 7 decimals it prints (ours rounded differs in the last decimal)"
    assert printed.verdict("0.5", 0.44) == "differs at the 1 decimal it prints"


def test_spaced_sets_thousands_apart_and_refuses_what_is_not_a_number():
    assert spaced(18_000) == "18 000"
    assert spaced(np.int64(1_063_939)) == "1 063 939"
    assert spaced(2450.46, 1) == "2 450.5"
    assert spaced(999) == "999"
    with pytest.raises(TypeError, match="number must be a real number; received str '3'"):
        spaced("3")
    with pytest.raises(ValueError, match="number must be finite; received nan"):
        spaced(float("nan"))
    with pytest.raises(ValueError, match="decimals must be an int ≥ 0; received -1"):
        spaced(3, -1)
