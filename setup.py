# The project card asks for a setup.py; pyproject.toml stays the source of truth (bench uses it).
from setuptools import find_packages, setup

from frappoint import __version__

setup(
	name="frappoint",
	version=__version__,
	packages=find_packages(exclude=["tests", "benchmarks"]),
	include_package_data=True,
	zip_safe=False,
	install_requires=["python-dateutil>=2.8"],
)
