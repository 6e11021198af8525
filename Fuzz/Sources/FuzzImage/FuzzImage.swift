import FuzzSupport
import MimicEngine

/// One file of an image folder, PNG or JPEG (told by its first bytes), decoded through
/// libpng or libjpeg-turbo as the folder reader decodes each file: a refusal is a thrown
/// `ImageDecoder.Problem`. Decoded in memory, so no scratch file is needed. Beyond "no
/// crash": a decoded image is gray or RGB and holds exactly its header's values, and a
/// header past the size limit was refused before its pixels were allocated (the fuzzer's
/// malloc limit would catch it otherwise).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let (header, pixels) = try? ImageDecoder.decode(FuzzInput.bytes(data, size)) else { return 0 }
    precondition(header.channels == 1 || header.channels == 3)
    precondition(header.width > 0 && header.height > 0)
    precondition(pixels.count == header.shape.count && pixels.count <= ImageDecoder.maximumValues)
    return 0
}
