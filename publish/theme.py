"""The theme: colours, fonts, sizes and page, read from `assets/theme.yaml` or a user's file.

A theme is data only. It imports no renderer; renderers read what they need from it.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from publish.load import load_model, parse_yaml, read_text
from publish.model import Model

Colour = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$", description="An RGB colour, #RRGGBB.")]
Points = Annotated[float, Field(gt=0, le=400, description="A size in points.")]
Millimetres = Annotated[float, Field(ge=0, le=100, description="A length in millimetres.")]


class Colours(Model):
    """The palette. `brand` is the accent; `tint` a pale brand background for callouts."""

    brand: Colour
    brand_dark: Colour
    text: Colour
    muted: Colour
    rule: Colour
    background: Colour
    tint: Colour
    on_brand: Colour


class FontSource(Model):
    """One font file: `pkg:MODULE/PATH` inside an installed package, or a path beside the theme."""

    source: str = Field(min_length=1)
    weight: int | None = Field(
        default=None, ge=1, le=1000, description="Instance a variable font at this weight; None for a static font."
    )


class FontFamily(Model):
    """A family's faces. `bold` None means bold text falls back to the sans bold."""

    regular: FontSource
    bold: FontSource | None = None


class Fonts(Model):
    """`serif` sets print body text; `sans` sets headings, captions and slides."""

    serif: FontFamily
    sans: FontFamily
    fallbacks: list[FontSource] = Field(
        default_factory=list,
        description="Fonts tried in order for a character the serif and sans lack (emoji, rare Han); "
        "each is prepared only when the document uses a character it covers.",
    )


class Page(Model):
    """The printed page: paper size and margins in millimetres."""

    size: Literal["A4", "Letter"] = "A4"
    margin_top: Millimetres = 25
    margin_bottom: Millimetres = 22
    margin_left: Millimetres = 24
    margin_right: Millimetres = 24


class Sizes(Model):
    """Print type sizes in points; `leading` is line height as a multiple of the size."""

    title: Points = 24
    subtitle: Points = 14
    h1: Points = 16
    h2: Points = 13
    body: Points = 10.5
    small: Points = 8.5
    leading: float = Field(default=1.75, ge=1.0, le=3.0)


class Slides(Model):
    """Slide type sizes in points; text never goes below the `min_` sizes, it moves to a new slide."""

    title: Points = 36
    body: Points = 24
    min_title: Points = 32
    min_body: Points = 20
    big_number: Points = 120
    cover_title: Points = Field(default=48, description="The title on the title slide.")
    leading: float = Field(default=1.25, ge=1.0, le=3.0, description="Line pitch as a multiple of the size.")
    paragraph_space: float = Field(default=0.5, ge=0, le=3.0, description="Space between items, in ems.")


class Templates(Model):
    """User reference documents; None means the built-in look."""

    docx: str | None = None
    pptx: str | None = None


class Labels(Model):
    """Words the outputs print that are not the letter's: page numbers, captions, headers."""

    page: str = Field(default="第 {page} 页 / 共 {pages} 页", description="Footer; {page} and {pages} are filled in.")
    contents: str = "目录"
    figures: str = "关键数字"
    figure_column: str = "数据"
    value_column: str = "数值"
    source_column: str = "原文"
    continued: str = Field(default="{title}（续）", description="A continuation slide's title; {title} is filled in.")
    byline: str = Field(
        default="{organization}　{author}",
        description="Who wrote it, on the title slide; without an organization, the author alone.",
    )


class Theme(Model):
    """Everything about how outputs look."""

    colors: Colours
    fonts: Fonts
    page: Page = Field(default_factory=Page)
    sizes: Sizes = Field(default_factory=Sizes)
    slides: Slides = Field(default_factory=Slides)
    templates: Templates = Field(default_factory=Templates)
    labels: Labels = Field(default_factory=Labels)


class LoadedTheme:
    """A theme and the folder its relative paths are resolved against."""

    def __init__(self, theme: Theme, base: Path, path: Path):
        self.theme = theme
        self.base = base
        self.path = path

    def resolve(self, reference: str) -> Path:
        """The file a theme path or `pkg:` reference names (it may not exist; callers check)."""
        if reference.startswith("pkg:"):
            module, _, inner = reference[4:].partition("/")
            try:
                root = resources.files(module)
            except ModuleNotFoundError:
                return Path(f"<package {module} is not installed>") / inner
            return Path(str(root.joinpath(inner)))
        path = Path(reference).expanduser()
        return path if path.is_absolute() else self.base / path


def assets_dir() -> Path:
    """The assets folder (theme, default templates): installed as `publish.assets`.

    When `publish` is imported from a source checkout rather than from the installed package
    (e.g. pytest run in the repository after a non-editable install), the checkout's own
    `assets/` folder beside `publish/` is used.
    """
    try:
        return Path(str(resources.files("publish.assets")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "assets"


def default_theme_path() -> Path:
    """assets/theme.yaml, the built-in theme."""
    return assets_dir() / "theme.yaml"


@lru_cache(maxsize=8)
def load_theme(path: Path | None = None) -> LoadedTheme:
    """The theme in `path`; None means the default theme shipped in assets/."""
    path = Path(path) if path else default_theme_path()
    data = parse_yaml(path, read_text(path))
    theme = load_model(path, Theme, data)
    return LoadedTheme(theme, path.resolve().parent, path)
