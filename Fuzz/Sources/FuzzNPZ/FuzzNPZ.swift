import FuzzSupport
import Glibc
import MimicEngine

/// The scratch file under a name ending in .npz, which `DataSet.load` reads as NumPy's.
private let npzPath: String = {
    let link = ScratchFile.path + ".npz"
    unlink(link)
    symlink(ScratchFile.path, link)
    atexit { unlink(ScratchFile.path + ".npz") }
    return link
}()

/// A `.npz` data set as it lies on disk: the zip archive (ZIPFoundation) and the `.npy`
/// arrays in it (`NPYArray`), then the images and labels made of them. The same bytes are
/// also read as one `.npy` array. A refusal is a thrown error; only a crash, a hang or an
/// allocation beyond what the file can hold is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPZ(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, size)
    if let array = try? NPYArray(bytes: bytes, source: "input") {
        precondition(array.count * array.itemSize <= bytes.count)
        precondition(array.shape.reduce(1, *) == array.count)
    }
    _ = ScratchFile.holding(bytes)
    if let dataSet = try? DataSet.load(from: npzPath) {
        precondition(dataSet.train.pixels.count == dataSet.train.count * dataSet.train.shape.count)
        precondition(dataSet.trainLabels.count == dataSet.train.count)
    }
    return 0
}
