/// A growable block of Float32 owned by one layer, optimizer or batch.
///
/// The training loop asks for the same sizes every step, so `reserve` allocates
/// only when a larger batch than ever before arrives, and never in the steady state.
public final class FloatBuffer {
    public private(set) var pointer: UnsafeMutablePointer<Float>
    public private(set) var capacity: Int

    public init(capacity: Int = 0) {
        self.capacity = max(capacity, 1)
        pointer = .allocate(capacity: self.capacity)
        pointer.initialize(repeating: 0, count: self.capacity)
    }

    deinit { pointer.deallocate() }

    /// Makes room for `count` floats. Contents are not kept when it grows.
    @discardableResult
    public func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
        }
        return pointer
    }

    public func zero(_ count: Int) {
        precondition(count <= capacity)
        pointer.update(repeating: 0, count: count)
    }

    public func array(count: Int) -> [Float] {
        precondition(count <= capacity)
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }
}
