"""vocloop: customer-focused quality management that closes the loop on every piece of feedback."""

# The one place the version is written: the package is built with it, and a test holds
# it to the latest heading of CHANGELOG.md.
__version__ = "0.1.0"
