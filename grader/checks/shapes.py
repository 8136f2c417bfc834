"""Array sizes for the checks' strategies, drawn so that a shrunk counterexample keeps them apart
when the failure allows it."""
from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def sizes(draw, *ranges: tuple[int, int]) -> tuple[int, ...]:
    """One size per (low, high) range, e.g. N, D, H.

    Most draws, and every shrink, go to the branch where the sizes all differ (each the smallest one
    not taken yet: N=1, D=2, H=3): in the smallest failing input every axis can be told from the
    others, and the one that triggers the failure stands out (a length-1 axis a squeeze drops, with
    the other sizes 2 and 3; with all of them 1, nothing points at it). A failure that needs equal
    sizes (every size 1, D = H) is found in the other branch, a quarter of the draws, and shrinks
    there. (Shrinking cannot cross from that branch to this one: the choices would mean other sizes.)"""
    if draw(st.integers(0, 3)) == 3:
        return tuple(draw(st.integers(low, high)) for low, high in ranges)
    chosen: list[int] = []
    for low, high in ranges:
        every = range(low, high + 1)
        chosen.append(draw(st.sampled_from([n for n in every if n not in chosen] or list(every))))
    return tuple(chosen)
