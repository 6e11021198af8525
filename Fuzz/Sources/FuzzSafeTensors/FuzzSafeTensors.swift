import FuzzSupport
import MimicEngine

/// A checkpoint file, as `Network.load(from:)` reads it: the safetensors layout (header
/// length, JSON header, data), then the metadata values that say how to rebuild the
/// network. The harness stops before building the network: what a spec allocates is the
/// engine's concern and is fuzzed as FuzzArchitectureSpec's parse.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let contents = try? SafeTensors.decode(FuzzInput.bytes(data, size), path: "fuzz.safetensors") else { return 0 }
    for (name, tensor) in contents.tensors {
        // Every tensor the decoder accepts holds exactly the values its shape promises,
        // in the array of its dtype, and none in the other.
        let (held, other) = tensor.dtype == .int64 ? (tensor.integers.count, tensor.values.count)
                                                   : (tensor.values.count, tensor.integers.count)
        precondition(tensor.shape.reduce(1, *) == held && other == 0, "tensor \(name)")
    }
    if let spec = contents.metadata[Network.CheckpointKey.spec] {
        _ = try? ArchitectureSpec(spec)
    }
    if let shapeText = contents.metadata[Network.CheckpointKey.inputShape],
       let shape = SampleShape(parsing: shapeText) {
        // A shape the parser accepts is one the engine can size without overflow.
        precondition(shape.count > 0)
        precondition(SampleShape(parsing: shape.description) == shape)
    }
    return 0
}
