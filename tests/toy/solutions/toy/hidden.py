"""The toy assignment's hidden checks: agreement with the reference."""
from grader.checks.common import matches_reference
from rnn_grader_assignments.toy.checks import COMPARE, pair, scaled

HIDDEN = {"add": (matches_reference("add", pair(), COMPARE["add"]),),
          "scale": (matches_reference("scale", scaled(), COMPARE["scale"]),)}
