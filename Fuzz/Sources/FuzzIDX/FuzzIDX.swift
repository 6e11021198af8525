import FuzzSupport
import MimicEngine

/// IDX files as they lie on disk, plain or gzip (zlib tells them apart by their first
/// bytes): the same bytes are read both as an image file and as a label file, as
/// `DataSet.load` would read whichever of the four files they were. A refusal is a
/// thrown error; only a crash, a hang or an allocation beyond what the file can hold is
/// a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = ScratchFile.holding(FuzzInput.bytes(data, size))
    if let images = try? IDXReader.readImages(from: path) {
        precondition(images.pixels.count == images.count * images.shape.count)
    }
    _ = try? IDXReader.readLabels(from: path)
    return 0
}
