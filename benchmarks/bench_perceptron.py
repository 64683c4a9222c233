"""Widget interactions of notebook 01 for ``make bench``."""

from course_utils.widgets import PerceptronPlayground, PerceptronStepper


def interactions():
    pg = PerceptronPlayground(dataset="moons")
    st = PerceptronStepper(dataset="blobs", epochs=20)
    values = iter(range(10**6))
    yield "PerceptronPlayground: move w1", lambda: setattr(pg.w1, "value", next(values) % 5 - 2.0)
    yield "PerceptronPlayground: switch data", lambda: setattr(
        pg.dataset, "value", "spirals" if pg.dataset.value != "spirals" else "moons")
    yield "PerceptronStepper: +1 visit", st.next_visit.click
    yield "PerceptronStepper: change lr (reruns)", lambda: setattr(
        st.lr, "value", 0.5 if st.lr.value != 0.5 else 1.0)
