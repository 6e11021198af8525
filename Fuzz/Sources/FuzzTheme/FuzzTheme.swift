import FuzzSupport
import MimicTUI

/// Theme files, read as `ThemeCatalog.load` reads them, then turned into the palette the
/// terminal is given. Only at the depths that take colours as they are (none, and 24-bit):
/// at 8, 16 or 256 colours each colour is matched to the nearest of the palette, tens of
/// thousands of distance sums per theme in a debug build, which would hold the fuzzer to
/// about a hundred inputs a second, and that matching depends only on the parsed colour,
/// not on the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTheme(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let text = FuzzInput.text(data, size) else { return 0 }
    let (theme, warnings) = ThemeParser.parse(text, name: "fuzz", file: "fuzz.theme")
    for warning in warnings { _ = warning.description }
    for depth in [ColorDepth.none, .direct] {
        _ = Palette(theme: theme, depth: depth)
    }
    return 0
}
