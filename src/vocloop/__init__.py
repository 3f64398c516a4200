"""vocloop: customer-focused quality management that closes the loop on every piece of feedback."""

__version__ = "0.1.0"
