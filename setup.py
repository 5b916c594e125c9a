# The layout Frappe apps have long had (STYLE.md). Nothing is declared here: bench and pip build the app
# from pyproject.toml (flit), which is the one declaration of its name, version and dependencies.
from setuptools import setup

setup()
