"""The organisation's house style: name, logo, accent colour and a cover page for every annex.

Kept in the database (one organisation-wide row, and a row per meeting that carries its own
from a session file), written to and read from a session file's optional ``[style]``
section, and used by the PDF, DOCX and ODT annex and by the chair's screen.
"""
