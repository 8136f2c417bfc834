"""The toy assignment's hidden checks: agreement with the reference."""
from grader.checks.common import matches_reference
from rnn_grader_assignments.toy.checks import COMPARE, pair, scaled

HIDDEN = {"add_arrays": (matches_reference("add_arrays", pair(), COMPARE["add_arrays"]),),
          "scale_array": (matches_reference("scale_array", scaled(), COMPARE["scale_array"]),)}
