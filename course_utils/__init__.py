"""Machinery behind the course notebooks, one module per topic in course order.

Math modules (``perceptron``, ...) import neither matplotlib nor ipywidgets;
``plotting`` draws with matplotlib; ``widgets`` wires ipywidgets to both.
Import what you need by name, e.g. ``from course_utils.repro import seed_everything``.
"""

__version__ = "0.1.0"
