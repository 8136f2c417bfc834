"""The toy assignment's one catalogued mistake and the input that reveals it."""
import numpy as np

from grader.diagnosis import Misconception

CATALOG = (Misconception("add-subtracts", "add", (lambda ns, a, b: a - b,)),)
DESIGNED = {"add": [{"a": np.array([1.0, 2.0]), "b": np.array([0.5, -3.0])}],
            "scale": [{"x": np.array([1.0, -2.0]), "k": 2.0}]}
