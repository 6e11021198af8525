/// A batch norm's output as a map of its input, channel by channel: x·scale[c] +
/// shift[c], two roundings, then when `rectify` max(that, 0). A convolution that reads
/// the output makes it again from the input with this map where the output itself
/// has been written over (`BatchNorm.outputMap`).
struct ChannelAffine {
    let scale: UnsafePointer<Float>
    let shift: UnsafePointer<Float>
    let rectify: Bool
}
