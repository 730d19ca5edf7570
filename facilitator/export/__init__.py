"""The annex: plain data → PDF (WeasyPrint in a child process), DOCX and Markdown.

Kept free of Flask imports: the render child imports this package without the app.
"""
