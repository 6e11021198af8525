/// The default theme, compiled in so the dashboard has colours even when no theme
/// folder is found. It is `themes/dark.theme` verbatim (a test keeps them equal).
public enum BuiltInTheme {
    public static let darkText = """
# mimic dark theme (the default). One key per role on screen: key = colour.
# Colours: a name (black, red, green, yellow, blue, magenta, cyan, white, their
# bright_ variants, default), an index 0-255, or #rrggbb. Keys left out take
# this theme's colour. Comments start a line with #, or follow a space as " # ".
background   = default
text         = #d0d0d0
dim          = #808080
border       = #5f6b7a
focus        = #5fafff
title        = #bcbcbc
header_fg    = #1c1c1c
header_bg    = #5fafff
footer       = #a8a8a8
key          = #ffd75f
selection_fg = #ffffff
selection_bg = #3a4a5f
axis         = #6c6c6c
reference    = #ff87d7
good         = #87d787
bad          = #ff5f5f
warning      = #ffaf5f
mentor       = #ffd700
student1     = #5fd7ff
student2     = #87ff87
student3     = #ff87af
student4     = #af87ff
student5     = #ffaf5f
student6     = #5fffd7
baseline     = #a8a8a8

"""

    public static let dark: Theme = {
        ThemeParser.parse(darkText, name: "dark", file: "built-in dark theme").0
    }()
}
