"""Custom conditions as a user sets them (reference 4.4), with the examples of Tautulli's
"Custom Notification Conditions" wiki page."""

import logging
import re

import pytest

from notifications.conditions import ConditionError, evaluate, parse_logic, validate

PARAMS = {
    "user": " Alice ",
    "library_name": "Music A",
    "title": "The Empire Strikes Back",
    "tagline": "",
    "progress_percent": 92,
    "stream_bandwidth": "6890.5",
    "year": 1980,
}
TYPES = {
    "user": "str",
    "library_name": "str",
    "title": "str",
    "tagline": "str",
    "progress_percent": "int",
    "stream_bandwidth": "float",
    "year": "int",
}


def cond(parameter, operator, *values, kind=None):
    return {
        "parameter": parameter,
        "operator": operator,
        "value": list(values),
        "type": kind or TYPES.get(parameter),
    }


def check(*conditions, logic=None, params=PARAMS):
    return evaluate(list(conditions), logic, params)


class TestStringOperators:
    @pytest.mark.parametrize(
        ("operator", "values", "expected"),
        [
            ("contains", ["empire"], True),
            ("contains", ["jedi", "EMPIRE"], True),  # values are OR-ed, case ignored
            ("contains", ["jedi"], False),
            ("does not contain", ["jedi", "hope"], True),
            ("does not contain", ["jedi", "empire"], False),  # every value must miss
            ("is", ["the empire strikes back "], True),  # trimmed
            ("is", ["a new hope", "The Empire Strikes Back"], True),
            ("is", ["empire"], False),
            ("is not", ["a new hope"], True),
            ("is not", ["a new hope", "the empire strikes back"], False),
            ("begins with", ["the emp"], True),
            ("begins with", ["empire", "the"], True),
            ("begins with", ["empire"], False),
            ("does not begin with", ["empire"], True),
            ("does not begin with", ["empire", "the"], False),
            ("ends with", ["back"], True),
            ("ends with", ["front"], False),
            ("does not end with", ["front"], True),
            ("does not end with", ["front", "BACK"], False),
        ],
    )
    def test_operator(self, operator, values, expected):
        assert check(cond("title", operator, *values)) is expected

    def test_parameter_is_trimmed_and_lower_cased(self):
        assert check(cond("user", "is", "alice"))

    def test_tilde_means_empty(self):
        assert check(cond("tagline", "is", "~"))
        assert not check(cond("title", "is", "~"))
        assert check(cond("title", "is not", "~"))

    def test_missing_parameter_is_empty(self):
        assert check(cond("nothing", "is", "~", kind="str"))


class TestNumberOperators:
    @pytest.mark.parametrize(
        ("operator", "values", "expected"),
        [
            ("is", ["92"], True),
            ("is", [90, 92], True),
            ("is", ["90"], False),
            ("is not", ["90", "91"], True),
            ("is not", ["90", "92"], False),
            ("is greater than", ["90"], True),
            ("is greater than", ["95", "90"], True),  # greater than any
            ("is greater than", ["92"], False),
            ("is less than", ["95"], True),
            ("is less than", ["92"], False),
        ],
    )
    def test_int(self, operator, values, expected):
        assert check(cond("progress_percent", operator, *values)) is expected

    @pytest.mark.parametrize(
        ("operator", "values", "expected"),
        [
            ("is", ["6890.5"], True),
            ("is not", ["6890"], True),
            ("is greater than", ["6890.4"], True),
            ("is less than", ["6890.4"], False),
        ],
    )
    def test_float(self, operator, values, expected):
        assert check(cond("stream_bandwidth", operator, *values)) is expected

    def test_a_value_that_is_not_a_number_counts_as_zero(self):
        # Tautulli's cast_to_int: "abc" and "" are 0; a missing parameter too.
        assert check(cond("progress_percent", "is greater than", "abc"))
        assert check(cond("nothing", "is", "0", kind="int"))
        assert check(cond("year", "is less than", "1.5e3x")) is False

    def test_string_operator_on_a_number_is_not_met(self, caplog):
        with caplog.at_level(logging.WARNING, logger="notifications.conditions"):
            assert check(cond("year", "contains", "19")) is False
        assert "cannot be evaluated" in caplog.text

    def test_unknown_operator_is_not_met(self):
        assert check(cond("title", "sounds like", "empire")) is False


class TestTypes:
    def test_type_falls_back_to_the_parameter_types(self):
        condition = {
            "parameter": "progress_percent",
            "operator": "is greater than",
            "value": ["90"],
        }
        assert evaluate([condition], None, PARAMS, parameter_types=TYPES)

    def test_unknown_type_refuses_the_notification(self, caplog):
        condition = {"parameter": "title", "operator": "is", "value": ["x"], "type": "date"}
        with caplog.at_level(logging.ERROR, logger="notifications.conditions"):
            assert evaluate([condition, cond("user", "is", "alice")], "{1} or {2}", PARAMS) is False
        assert "unknown type" in caplog.text


class TestBlankConditions:
    def test_no_conditions_pass(self):
        assert evaluate([], None, PARAMS)
        assert evaluate([], "  ", PARAMS)

    def test_blank_conditions_are_met(self):
        blank = {"parameter": "", "operator": "", "value": [], "type": None}
        assert check(blank)
        assert check(cond("title", "is", "x") | {"value": []}, blank)
        assert check(cond("title", "", "x"))
        assert check(blank, cond("title", "contains", "empire"), logic="{1} and {2}")

    def test_a_single_value_not_in_a_list(self):
        assert check({"parameter": "user", "operator": "is", "value": "Alice", "type": "str"})


class TestLogic:
    A_TRUE = cond("user", "is", "alice")
    B_FALSE = cond("library_name", "is", "movies")
    C_TRUE = cond("progress_percent", "is greater than", "90")

    def test_blank_logic_is_and_of_all(self):
        assert check(self.A_TRUE, self.C_TRUE)
        assert not check(self.A_TRUE, self.B_FALSE)

    @pytest.mark.parametrize(
        ("logic", "expected"),
        [
            ("{1} and {2}", False),
            ("{1} or {2}", True),
            ("{2} or {3}", True),
            ("{1} and ({2} or {3})", True),
            ("({1} and {2}) or {3}", True),
            ("{2} and ({1} or {3})", False),
            ("{2} or {1} and {3}", True),  # and binds tighter
            ("({2} or {1}) and {2}", False),
            ("{2}", False),
            ("{1}", True),  # conditions the logic does not name do not count
            ("{1} AND ({2} Or {3})", True),
            ("{1}and({2}or{3})", True),
            ("((({1})))", True),
        ],
    )
    def test_expression(self, logic, expected):
        assert check(self.A_TRUE, self.B_FALSE, self.C_TRUE, logic=logic) is expected

    def test_wiki_warning_on_is_not_joined_with_or(self):
        # Two "is not" conditions OR-ed always pass; one condition with both values works.
        music_a = {**PARAMS, "library_name": "Music A"}
        music_b = {**PARAMS, "library_name": "Music B"}
        not_a, not_b = (
            cond("library_name", "is not", "Music A"),
            cond("library_name", "is not", "Music B"),
        )
        assert check(not_a, not_b, logic="{1} or {2}", params=music_a)
        assert check(not_a, not_b, logic="{1} or {2}", params=music_b)
        both = cond("library_name", "is not", "Music A", "Music B")
        assert not check(both, params=music_a)
        assert not check(both, params=music_b)
        assert check(both, params={**PARAMS, "library_name": "Movies"})

    @pytest.mark.parametrize(
        ("logic", "message"),
        [
            ("{4}", "no condition {4}; conditions are {1} to {3}"),
            ("{0}", "no condition {0}"),
            ("{1} and", "expected a condition like {1} or '(', found the end"),
            ("{1} {2}", "expected 'and', 'or' or the end, found '{2}' at character 5"),
            ("({1} or {2}", "expected ')', found the end"),
            ("{1} or {2})", "found ')' at character 11"),
            ("()", "found ')' at character 2"),
            ("not {1}", "'not' at character 1"),
            ("{1} xor {2}", "unexpected 'xor' at character 5"),
            ("1 and 2", "unexpected '1' at character 1"),
            ("{1} && {2}", "unexpected '&' at character 5"),
        ],
    )
    def test_bad_expression(self, logic, message):
        with pytest.raises(ConditionError, match=re.escape(message)):
            check(self.A_TRUE, self.B_FALSE, self.C_TRUE, logic=logic)

    def test_logic_without_conditions(self):
        with pytest.raises(ConditionError, match="no condition is set"):
            evaluate([], "{1}", PARAMS)

    def test_parse_tree(self):
        assert parse_logic("{1} and ({2} or {3})", 3) == ("and", [1, ("or", [2, 3])])
        assert parse_logic("{1} or {2} and {3} or {1}", 3) == ("or", [1, ("and", [2, 3]), 1])
        assert parse_logic(" ", 3) is None

    def test_error_is_a_value_error(self):
        assert issubclass(ConditionError, ValueError)


class TestValidate:
    def test_normalises_as_stored(self):
        conditions = [
            {"parameter": "User", "operator": "IS", "value": "Alice"},
            {"parameter": "progress_percent", "operator": "is greater than", "value": ["90", 95]},
            {"parameter": "", "operator": "", "value": []},
        ]
        assert validate(conditions, "{1} or ({2} and {3})", TYPES) == [
            {"parameter": "user", "operator": "is", "value": ["Alice"], "type": "str"},
            {
                "parameter": "progress_percent",
                "operator": "is greater than",
                "value": ["90", 95],
                "type": "int",
            },
            {"parameter": "", "operator": "", "value": [], "type": None},
        ]

    @pytest.mark.parametrize(
        ("condition", "message"),
        [
            (
                {"parameter": "colour", "operator": "is", "value": ["red"]},
                r"condition \{1\}: there is no parameter 'colour'",
            ),
            (
                {"parameter": "year", "operator": "contains", "value": ["19"]},
                r"'contains' does not apply to year \(int\)",
            ),
            (
                {"parameter": "title", "operator": "is greater than", "value": ["a"]},
                "does not apply to title",
            ),
            (
                {"parameter": "year", "operator": "is", "value": ["19x"]},
                r"'19x' is not a whole number \(year is int\)",
            ),
            ({"parameter": "year", "operator": "is", "value": [1.5]}, "not a whole number"),
            (
                {"parameter": "stream_bandwidth", "operator": "is", "value": ["fast"]},
                "'fast' is not a number",
            ),
            (
                {"parameter": "title", "operator": "is", "value": [["a"]]},
                "must be a text or a number",
            ),
            (
                {"parameter": "", "operator": "sounds like", "value": []},
                "no operator 'sounds like'",
            ),
        ],
    )
    def test_rejects(self, condition, message):
        with pytest.raises(ConditionError, match=message):
            validate([condition], None, TYPES)

    def test_accepts_numbers_as_text_or_numbers(self):
        validate(
            [
                {
                    "parameter": "stream_bandwidth",
                    "operator": "is less than",
                    "value": ["1e3", 2, 2.5, " 7 "],
                }
            ],
            "",
            TYPES,
        )
        validate(
            [{"parameter": "year", "operator": "is", "value": [" 1980 ", 1980, 1980.0]}], "", TYPES
        )

    def test_rejects_bad_logic_and_shapes(self):
        with pytest.raises(ConditionError, match="no condition"):
            validate([{"parameter": "user", "operator": "is", "value": ["a"]}], "{1} or {2}", TYPES)
        with pytest.raises(ConditionError, match="must be a list"):
            validate({"parameter": "user"}, None, TYPES)
        with pytest.raises(ConditionError, match="must be an object"):
            validate(["user is alice"], None, TYPES)
