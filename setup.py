"""What the wheel carries besides the code (the metadata is in pyproject.toml).

- ``data/`` (the committed assets and their checksum table, data/README.md) ships inside the
  package as ``course_utils/_data``, so ``course_utils.data.assets`` finds it in any install
  through ``importlib.resources``; a checkout reads ``data/`` itself.
- ``lab/settings/overrides.d/course_utils.json`` (the classroom JupyterLab defaults) goes to
  ``<prefix>/share/jupyter/lab/settings/overrides.d/``, where a JupyterLab installed in the
  same environment reads it (beside, never replacing, an admin's own ``overrides.json``).

tests/test_wheel.py builds the wheel, installs it outside the checkout and runs every
student notebook with it.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["course_utils*"]), "course_utils._data"],
    package_dir={"course_utils._data": "data"},
    package_data={"course_utils._data": ["**/*"]},
    data_files=[("share/jupyter/lab/settings/overrides.d",
                 ["lab/settings/overrides.d/course_utils.json"])],
)
