"""Widget interactions of notebook 00 for ``make bench``."""

from course_utils.widgets import ColourQuantizer


def interactions():
    cq = ColourQuantizer(photo_name="chelsea", k=4)
    yield "ColourQuantizer: move k", lambda: setattr(cq.k, "value", 12 if cq.k.value != 12 else 4)
    yield "ColourQuantizer: switch photo", lambda: setattr(
        cq.photo_name, "value", "coffee" if cq.photo_name.value != "coffee" else "chelsea")
