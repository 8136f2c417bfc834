"""The toy assignment's one catalogued mistake and the input that reveals it."""
import numpy as np

from grader.diagnosis import Misconception

CATALOG = (Misconception("add-subtracts", "add_arrays", (lambda ns, a, b: a - b,)),)
DESIGNED = {"add_arrays": [{"a": np.array([1.0, 2.0]), "b": np.array([0.5, -3.0])}],
            "scale_array": [{"x": np.array([1.0, -2.0]), "k": 2.0}]}
