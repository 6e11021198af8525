import FuzzSupport
import MimicEngine

/// IDX files behind gzip: each input is wrapped in a valid gzip member, so the fuzzer
/// mutates the IDX header and body while the reader goes the gzip way (inflate, and
/// the size checks that allow for compression). FuzzIDX covers broken gzip streams.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDXGzip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = ScratchFile.holding(GzipMember.wrapping(FuzzInput.bytes(data, size)))
    if let images = try? IDXReader.readImages(from: path) {
        precondition(images.pixels.count == images.count * images.shape.count)
    }
    _ = try? IDXReader.readLabels(from: path)
    return 0
}
