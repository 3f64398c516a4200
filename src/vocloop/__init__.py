"""vocloop: customer-focused quality management that closes the loop on every piece of feedback."""

from importlib.metadata import PackageNotFoundError, version

# Written in one place, CHANGELOG.md's latest heading, which setup.py builds the package
# with; read back here from the installed package.
try:
    __version__ = version("vocloop")
except PackageNotFoundError:  # the source tree, not installed
    __version__ = "0+unknown"
