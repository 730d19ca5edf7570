"""The ODT annex's named styles: paragraph, text and list styles, the page and its footer.

Written as ODF XML (odfdo inserts them into styles.xml), so that every paragraph of the
annex names a style and nothing is formatted directly.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from odfdo import Document, Element, Paragraph, Tab

from .annex import Annex
from .language import tag

INK = "#1b1f24"
MUTED = "#4a5360"
RULE = "#c9d0d9"
TEXT_WIDTH_MM = 160
SERIF = "Source Serif 4"
SANS = "Source Sans 3"

NS = (
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0"'
)


def _paragraph_style(
    name: str,
    display: str,
    parent: str = "Standard",
    text: str = "",
    paragraph: str = "",
    outline: int | None = None,
    tab_mm: tuple[float, str] | None = None,
) -> str:
    level = f' style:default-outline-level="{outline}"' if outline else ""
    parent_attribute = f' style:parent-style-name="{parent}"' if parent else ""
    tabs = ""
    if tab_mm is not None:
        tabs = (
            f'<style:tab-stops><style:tab-stop style:position="{tab_mm[0]}mm" '
            f'style:type="{tab_mm[1]}"/></style:tab-stops>'
        )
    return (
        f'<style:style {NS} style:name="{name}" style:display-name="{display}" style:family="paragraph"'
        f'{parent_attribute} style:class="text"{level}>'
        f"<style:paragraph-properties {paragraph}>{tabs}</style:paragraph-properties>"
        f"<style:text-properties {text}/>"
        "</style:style>"
    )


def _text_style(name: str, display: str, text: str) -> str:
    return (
        f'<style:style {NS} style:name="{name}" style:display-name="{display}" style:family="text">'
        f"<style:text-properties {text}/></style:style>"
    )


def _list_style(name: str, display: str, numbered: bool) -> str:
    levels = []
    for level in range(1, 11):
        indent = 6 * min(level, 4)
        position = (
            '<style:list-level-properties text:list-level-position-and-space-mode="label-alignment">'
            f'<style:list-level-label-alignment text:label-followed-by="listtab" '
            f'text:list-tab-stop-position="{indent}mm" fo:text-indent="-6mm" fo:margin-left="{indent}mm"/>'
            "</style:list-level-properties>"
        )
        if numbered:
            levels.append(
                f'<text:list-level-style-number text:level="{level}" style:num-suffix="." '
                f'style:num-format="{"1" if level % 3 == 1 else ("a" if level % 3 == 2 else "i")}">'
                f"{position}</text:list-level-style-number>"
            )
        else:
            bullet = "–" if level % 2 else "·"
            levels.append(
                f'<text:list-level-style-bullet text:level="{level}" text:bullet-char="{bullet}">'
                f"{position}</text:list-level-style-bullet>"
            )
    return (
        f'<text:list-style {NS} style:name="{name}" style:display-name="{display}">'
        + "".join(levels)
        + "</text:list-style>"
    )


def add_styles(doc: Document, annex: Annex, accent: str) -> None:
    code, _, country = tag(annex.lang).partition("-")
    lang = f"fo:language={quoteattr(code)}" + (f" fo:country={quoteattr(country)}" if country else "")
    sans = f"style:font-name={quoteattr(SANS)}"
    serif = f"style:font-name={quoteattr(SERIF)}"
    for family, generic in ((SANS, "swiss"), (SERIF, "roman")):
        face = (
            f"<style:font-face {NS} style:name={quoteattr(family)} svg:font-family={quoteattr(repr(family))} "
            f'style:font-family-generic="{generic}" style:font-pitch="variable"/>'
        )
        # declared where the styles that name it are (styles.xml: odfdo's "default") and in
        # content.xml, whose automatic styles may name it too
        doc.insert_style(face, default=True)
        doc.insert_style(face)
    doc.insert_style(
        f'<style:default-style {NS} style:family="paragraph">'
        f'<style:paragraph-properties fo:hyphenation-ladder-count="no-limit"/>'
        f'<style:text-properties {serif} fo:font-size="10.5pt" {lang} fo:color="{INK}" '
        'fo:hyphenate="false"/></style:default-style>',
        default=True,
    )
    heading = f'{sans} fo:font-weight="600" fo:color="{accent}"'
    keep = 'fo:keep-with-next="always"'
    styles = [
        _paragraph_style("Standard", "Standard", parent="", text=serif),
        _paragraph_style(
            "Text_20_body",
            "Text body",
            text='fo:hyphenate="true" fo:hyphenation-remain-char-count="4" '
            'fo:hyphenation-push-char-count="4"',
            paragraph='fo:margin-top="0mm" fo:margin-bottom="2.6mm" fo:line-height="145%" '
            'fo:orphans="3" fo:widows="3"',
        ),
        _paragraph_style(
            "Heading", "Heading", text=sans, paragraph=f'{keep} fo:margin-top="4mm" fo:margin-bottom="2mm"'
        ),
        _paragraph_style(
            "Annex_20_Title",
            "Annex Title",
            parent="Heading",
            text=f'{heading} fo:font-size="21pt"',
            paragraph='fo:margin-top="0mm" fo:margin-bottom="8mm"',
            outline=1,
        ),
        _paragraph_style(
            "Heading_20_2",
            "Heading 2",
            parent="Heading",
            text=f'{heading} fo:font-size="13pt"',
            paragraph='fo:margin-top="6mm" fo:margin-bottom="2mm"',
            outline=2,
        ),
        _paragraph_style(
            "Questions_20_Heading",
            "Questions Heading",
            parent="Heading_20_2",
            paragraph='fo:break-before="page"' if annex.style and annex.style.cover else "",
            outline=2,
        ),
        _paragraph_style(
            "Table_20_Heading",
            "Table Heading",
            parent="Heading_20_2",
            text=f'{heading} fo:font-size="16pt"',
            paragraph=f'fo:break-before="page" fo:margin-top="0mm" fo:margin-bottom="3mm" '
            f'fo:padding-bottom="2mm" fo:border-bottom="0.75pt solid {accent}"',
            outline=2,
        ),
        _paragraph_style(
            "Heading_20_3",
            "Heading 3",
            parent="Heading",
            text=f'{heading} fo:font-size="11pt"',
            paragraph='fo:margin-top="4.5mm" fo:margin-bottom="1.5mm"',
            outline=3,
        ),
        _paragraph_style(
            "Heading_20_4",
            "Heading 4",
            parent="Heading",
            text=f'{sans} fo:font-size="10.5pt" fo:font-style="italic"',
            paragraph='fo:margin-top="3mm" fo:margin-bottom="1mm"',
            outline=4,
        ),
        _paragraph_style("Kicker", "Kicker", text=f'{sans} fo:font-size="10pt" fo:color="{MUTED}"'),
        _paragraph_style(
            "Organisation",
            "Organisation",
            text=f'{sans} fo:font-size="13pt" fo:font-weight="600" fo:color="{accent}"',
            paragraph='fo:margin-bottom="2mm"',
        ),
        _paragraph_style(
            "Cover_20_Space", "Cover Space", paragraph='fo:margin-top="55mm" fo:margin-bottom="0mm"'
        ),
        _paragraph_style(
            "Meta",
            "Meta",
            text=f'{sans} fo:font-size="9.5pt"',
            paragraph=f'fo:margin-bottom="0mm" fo:padding="1.2mm" fo:border-bottom="0.4pt solid {RULE}"',
        ),
        _paragraph_style(
            "People",
            "People",
            text=f'{sans} fo:font-size="9.5pt"',
            paragraph=f'fo:margin-bottom="0.8mm" {keep}',
        ),
        _paragraph_style(
            "List_20_Contents",
            "List Contents",
            parent="Text_20_body",
            paragraph='fo:margin-bottom="1mm"',
        ),
        _paragraph_style(
            "Quotations",
            "Quotations",
            parent="Text_20_body",
            text='fo:color="#333a42"',
            paragraph=f'fo:margin-left="4mm" fo:padding-left="3mm" fo:border-left="1.5pt solid {RULE}"',
        ),
        _paragraph_style(
            "Horizontal_20_Line",
            "Horizontal Line",
            paragraph=f'fo:border-bottom="0.5pt solid {RULE}" fo:margin-bottom="4mm"',
        ),
        _paragraph_style("No_20_Report", "No Report", text=f'fo:font-style="italic" fo:color="{MUTED}"'),
        _paragraph_style("Figure", "Figure", paragraph=f'fo:text-align="center" fo:margin-top="7mm" {keep}'),
        _paragraph_style(
            "Caption",
            "Caption",
            text=f'{sans} fo:font-size="9pt" fo:font-weight="600" fo:color="#333a42"',
            paragraph='fo:text-align="center" fo:margin-top="2mm" fo:margin-bottom="3mm"',
        ),
        _paragraph_style(
            "Legend_20_Title",
            "Legend Title",
            text=f'{sans} fo:font-size="8.5pt" fo:font-weight="600"',
            paragraph=f'fo:margin-bottom="1.2mm" {keep}',
        ),
        _paragraph_style(
            "Legend",
            "Legend",
            text=f'{sans} fo:font-size="8.5pt"',
            paragraph='fo:margin-left="7mm" fo:text-indent="-7mm" fo:margin-bottom="0.8mm"',
            tab_mm=(0, "left"),
        ),
        _paragraph_style(
            "Footer",
            "Footer",
            text=f'{sans} fo:font-size="8pt" fo:color="{MUTED}"',
            tab_mm=(TEXT_WIDTH_MM, "right"),
        ),
        _text_style("Strong_20_Emphasis", "Strong Emphasis", 'fo:font-weight="600"'),
        _text_style("Emphasis", "Emphasis", 'fo:font-style="italic"'),
        _text_style("Strong_20_Italic", "Strong Italic", 'fo:font-weight="600" fo:font-style="italic"'),
        _text_style("Label", "Label", 'fo:font-weight="600"'),
        _text_style("Muted", "Muted", f'fo:color="{MUTED}"'),
        _text_style("Legend_20_Number", "Legend Number", f'fo:font-weight="700" fo:color="{accent}"'),
        _list_style("Annex_20_Bullets", "Annex Bullets", numbered=False),
        _list_style("Annex_20_Numbers", "Annex Numbers", numbered=True),
    ]
    for xml in styles:
        doc.insert_style(xml)
    # headings are not numbered (the template's outline style would print "1.2.Tafel 1")
    outline = doc.get_style("outline", "Outline")
    if outline is not None:
        outline.delete()
    doc.styles.get_element("//office:styles").append(
        Element.from_tag(
            f'<text:outline-style {NS} style:name="Outline">'
            + "".join(
                f'<text:outline-level-style text:level="{level}" style:num-format=""/>'
                for level in range(1, 11)
            )
            + "</text:outline-style>"
        )
    )
    doc.insert_style(
        f'<style:page-layout {NS} style:name="Mpm1">'
        '<style:page-layout-properties fo:page-width="210mm" fo:page-height="297mm" '
        'style:print-orientation="portrait" fo:margin-top="22mm" fo:margin-bottom="14mm" '
        'fo:margin-left="25mm" fo:margin-right="25mm"/>'
        '<style:footer-style><style:header-footer-properties fo:min-height="6mm" fo:margin-top="5mm"/>'
        "</style:footer-style></style:page-layout>"
    )
    master = doc.get_style("master-page", "Standard")
    master.set_attribute("style:page-layout-name", "Mpm1")
    footer = Paragraph(style="Footer")
    footer.append(annex.footer)
    footer.append(Tab())
    footer.append(f"{annex.words.page} ")
    footer.append(_field("page-number", 'text:select-page="current"'))
    footer.append(f" {annex.words.of} ")
    footer.append(_field("page-count"))
    master.set_page_footer(footer)


def _field(name: str, attributes: str = ""):
    return Element.from_tag(f"<text:{name} {NS} {attributes}>1</text:{name}>")
