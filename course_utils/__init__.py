"""Machinery behind the course notebooks, one module per topic in course order.

Math modules (``perceptron``, ...) import neither matplotlib nor ipywidgets;
``plotting`` draws with matplotlib; ``widgets`` wires ipywidgets to both.
Import what you need by name, e.g. ``from course_utils.repro import seed_everything``.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    # ``course_utils.present()`` without importing matplotlib for every ``import course_utils``.
    if name in ("present", "presenting"):
        from course_utils import presenter

        return getattr(presenter, name)
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")
