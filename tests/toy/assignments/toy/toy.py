"""Toy assignment / 연습 과제."""
import numpy as np


def add_arrays(a, b):
    """a + b, element-wise (a, b of one shape) / 같은 모양의 두 배열의 원소별 합."""
    raise NotImplementedError


def scale_array(x, k):
    """k * x for a float k / 배열 x에 실수 k를 곱한 값."""
    raise NotImplementedError
