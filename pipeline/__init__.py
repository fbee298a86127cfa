"""cleancorpus: clean, repair and deduplicate scraped Chinese text.

The library a user can import; the ``cleancorpus`` command is a thin layer over it::

    from pipeline import Document, run_pipeline
"""

from .document import Document, Drop, Edit, replay

__all__ = ["Document", "Drop", "Edit", "replay"]
__version__ = "0.1.0"
