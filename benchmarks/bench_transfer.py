"""Widget interactions of notebook 10 for ``make bench``. A first visit of a setting trains
(seconds, once); what a student repeats is moving between settings already trained, and
the redraw of a picture not yet drawn (after a new setting was trained)."""

from course_utils.widgets import FreezeLab


def _redraw(lab):
    lab._images.clear()  # force the figure to be drawn and rendered again
    lab._update()


def interactions():
    lab = FreezeLab(frozen=7)
    lab.frozen.value = 6  # trained once here, cached from now on
    lab.frozen.value = 7
    yield "FreezeLab: move between cached settings", lambda: setattr(
        lab.frozen, "value", 7 if lab.frozen.value != 7 else 6)
    yield "FreezeLab: redraw (figure not cached)", lambda: _redraw(lab)
