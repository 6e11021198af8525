import Foundation

/// A network architecture written as a short string of dash-separated layers:
///
///     conv32-pool-conv64-pool-fc128
///
/// - `convN[kK][sS][pP][nobias][norelu]`: N filters of K x K (default 3), stride S
///   (default 1), padding P (default K/2), followed by ReLU; `nobias` leaves out its bias
///   (`nn.Conv2d(..., bias=False)`), as ResNets do before a batch norm; `norelu` leaves
///   out the ReLU (after its batch norm, if one follows), as a wide ResNet's stem does
///   before its first pre-activation block.
/// - `pool[K][sS]`: K x K max pooling (default 2), stride S (default K).
/// - `fcN`: a dense layer of N units, followed by ReLU.
/// - `dropR`: dropout with rate R in [0, 1), e.g. `drop0.5`.
/// - `bn`: batch normalization of the conv or fc layer just before it (torch's
///   BatchNorm2d or BatchNorm1d), placed between that layer and its ReLU; after a
///   `preres` block, batch norm and ReLU of the block's sum.
/// - `gap`: global average pooling, each channel's mean (AdaptiveAvgPool2d(1) and a
///   flatten); the image part of the network ends there.
/// - `resN[sS]`: the CIFAR ResNets' basic residual block (`ResidualBlock`) with N
///   channels and stride S (default 1), e.g. `res32s2`; its shortcut gets a 1x1
///   convolution and batch norm where the shape changes.
/// - `preresN[sS]`: the wide ResNets' pre-activation block (`PreActivationBlock`):
///   BN-ReLU-conv3x3-BN-ReLU-conv3x3 added to the input, or to a 1x1 convolution of the
///   pre-activated input where the shape changes; no ReLU after the sum, so a `bn` may
///   follow it (BN and ReLU, as a WRN ends).
///
/// The final dense layer to the classes is implied, so `linear` (or an empty spec)
/// is softmax regression. A preset name stands for its whole spec.
public struct ArchitectureSpec: Hashable, Sendable, CustomStringConvertible {
    public enum LayerSpec: Hashable, Sendable {
        case conv(filters: Int, kernel: Int, stride: Int, padding: Int, bias: Bool = true, relu: Bool = true)
        case pool(size: Int, stride: Int)
        case dense(units: Int)
        case dropout(rate: Float)
        /// Normalizes the layer before it, which must be a conv or a dense layer.
        case batchNorm
        case globalAveragePool
        case residual(channels: Int, stride: Int)
        case preActivation(channels: Int, stride: Int)
    }

    /// How a network's tensors are named in checkpoints: as the `nn.Sequential` of its
    /// modules ("0.weight"), or, for the presets that reproduce a PyTorch class, as that
    /// class does (`ResNetNaming`: "conv1.weight", "layer2.0.downsample.0.weight";
    /// `WideResNetNaming`: "block1.layer.0.convShortcut.weight";
    /// `FiveLayerCNNNaming`: "conv3.bias", "fcbn1.running_mean").
    public enum ModuleNaming: Hashable, Sendable {
        case sequential
        case cifarResNet
        case wideResNet
        case fiveLayerCNN
    }

    /// What the user typed (a preset name stays a preset name).
    public let text: String
    public let layers: [LayerSpec]
    /// Each layer's token as written, for error messages that point at it.
    let tokens: [String]
    public let naming: ModuleNaming

    public static let presets: [(name: String, spec: String)] = [
        ("cnn-l", "conv32-pool-conv64-pool-fc128"),
        ("cnn-s", "conv16-pool-conv32-pool-fc64"),
        ("mlp-1024", "fc1024-fc1024"),
        ("mlp-256", "fc256"),
        ("mlp-64", "fc64"),
        ("linear", ""),
        ("resnet-8", cifarResNet(width: 16, blocks: 1)),
        ("resnet-14", cifarResNet(width: 16, blocks: 2)),
        ("resnet-20", cifarResNet(width: 16, blocks: 3)),
        ("resnet-32", cifarResNet(width: 16, blocks: 5)),
        ("resnet-56", cifarResNet(width: 16, blocks: 9)),
        ("resnet8x4", cifarResNet(width: 32, blocks: 1)),
        ("resnet32x4", cifarResNet(width: 32, blocks: 5)),
        ("wrn-16-2", wideResNet(depth: 16, widen: 2)),
        ("wrn-40-2", wideResNet(depth: 40, widen: 2)),
        // knowledge-distillation-pytorch's 5-layer CNN (model/net.py, num_channels 32,
        // dropout_rate 0.5): conv, batch norm, 2x2 max pool, ReLU, three times, then fc,
        // batch norm, ReLU, dropout and fc. mimic applies each ReLU before the pool:
        // max pooling and ReLU commute, so the outputs are the same.
        ("cnn5-bn", "conv32-bn-pool-conv64-bn-pool-conv128-bn-pool-fc128-bn-drop0.5"),
    ]

    /// RepDistiller's `ResNet(depth, num_filters, 'basicblock')` (models/resnet.py), of
    /// depth 6·blocks + 2: a bias-free 3x3 stem convolution of `width` channels, batch
    /// norm and ReLU, three stages of `blocks` basic blocks (stride 2 in the second and
    /// third), global average pooling and the dense layer to the classes. The stages have
    /// 16, 32, 64 channels when the stem has 16 (resnet8 ... resnet56), and 64, 128, 256
    /// when it has 32 (resnet8x4, resnet32x4: num_filters [32, 64, 128, 256]).
    private static func cifarResNet(width: Int, blocks: Int) -> String {
        let stages = width == 16 ? [16, 32, 64] : [2 * width, 4 * width, 8 * width]
        let body = stages.enumerated().flatMap { stage, channels in
            (0..<blocks).map { block in "res\(channels)" + (stage > 0 && block == 0 ? "s2" : "") }
        }
        return (["conv\(width)nobias", "bn"] + body + ["gap"]).joined(separator: "-")
    }

    /// RepDistiller's `WideResNet(depth, widen_factor)` (models/wrn.py), of depth 6n + 4:
    /// a bias-free 3x3 stem convolution of 16 channels with nothing after it, three stages
    /// of n pre-activation blocks of 16·k, 32·k and 64·k channels (stride 2 at the first
    /// block of the second and third), the final batch norm and ReLU, global average
    /// pooling and the dense layer to the classes.
    private static func wideResNet(depth: Int, widen: Int) -> String {
        let blocks = (depth - 4) / 6
        let body = [16, 32, 64].enumerated().flatMap { stage, channels in
            (0..<blocks).map { block in "preres\(channels * widen)" + (stage > 0 && block == 0 ? "s2" : "") }
        }
        return (["conv16nobiasnorelu"] + body + ["bn", "gap"]).joined(separator: "-")
    }

    /// The presets whose checkpoints use the tensor names of the PyTorch class they reproduce.
    static func naming(ofPreset name: String) -> ModuleNaming {
        if name == "cnn5-bn" { return .fiveLayerCNN }
        guard presets.contains(where: { $0.name == name }) else { return .sequential }
        if name.hasPrefix("resnet") { return .cifarResNet }
        if name.hasPrefix("wrn") { return .wideResNet }
        return .sequential
    }

    public var description: String { text }

    /// The spec written out layer by layer, even for a preset.
    public var expanded: String {
        layers.isEmpty ? "linear" : tokens.joined(separator: "-")
    }

    public init(_ text: String) throws(SpecError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let name = trimmed.isEmpty ? "linear" : trimmed
        self.text = name
        naming = Self.naming(ofPreset: name)
        let body = Self.presets.first { $0.name == name }?.spec ?? name
        guard !body.isEmpty else {
            layers = []
            tokens = []
            return
        }
        var layers: [LayerSpec] = []
        var tokens: [String] = []
        for (index, token) in body.split(separator: "-", omittingEmptySubsequences: false).enumerated() {
            let token = String(token)
            guard index < NetworkLimits.layers else {
                throw SpecError(spec: name, tokenIndex: index, token: token, problem: .tooManyLayers(limit: NetworkLimits.layers))
            }
            switch Self.parse(token) {
            case .success(let layer):
                layers.append(layer)
                tokens.append(token)
            case .failure(let refusal):
                throw SpecError(spec: name, tokenIndex: index, token: token, problem: refusal.problem)
            }
        }
        if let (index, problem) = Self.misplaced(layers) {
            throw SpecError(spec: name, tokenIndex: index, token: tokens[index], problem: problem)
        }
        self.layers = layers
        self.tokens = tokens
    }

    /// The first layer that cannot stand where it is whatever the input: a `bn` that
    /// follows no conv, fc or pre-activation layer, or an image layer after `gap`. (An
    /// image layer after an fc layer is found when the network is sized.)
    private static func misplaced(_ layers: [LayerSpec]) -> (Int, SpecError.Problem)? {
        var pooledGlobally = false
        for (index, layer) in layers.enumerated() {
            switch layer {
            case .batchNorm:
                switch index > 0 ? layers[index - 1] : nil {
                case .conv?, .dense?, .preActivation?: break
                default: return (index, .batchNormWithoutLayer)
                }
            case .conv, .pool, .globalAveragePool, .residual, .preActivation:
                if pooledGlobally { return (index, .imageLayerAfterGlobalPool) }
                if layer == .globalAveragePool { pooledGlobally = true }
            case .dense, .dropout:
                break
            }
        }
        return nil
    }

    /// Why a token is not a layer; an Error only so that `parse` can return a `Result`.
    private struct Refusal: Error {
        let problem: SpecError.Problem
    }

    private static func parse(_ token: String) -> Result<LayerSpec, Refusal> {
        let notALayer = Result<LayerSpec, Refusal>.failure(Refusal(problem: .unknownToken))
        // Checked here, before any size is computed from them, so that no later
        // arithmetic on a spec's numbers can overflow.
        func limited(_ value: Int, _ field: String, _ limit: Int) throws(Refusal) -> Int {
            guard value <= limit else { throw Refusal(problem: .numberTooLarge(field: field, limit: limit)) }
            return value
        }
        do throws(Refusal) {
            if var rest = token.dropPrefix("conv") {
                // "nobias" and "norelu", each at most once, in either order.
                var withoutBias = false, withoutReLU = false
                while true {
                    if !withoutBias && rest.hasSuffix("nobias") {
                        withoutBias = true
                        rest = rest.dropLast(6)
                    } else if !withoutReLU && rest.hasSuffix("norelu") {
                        withoutReLU = true
                        rest = rest.dropLast(6)
                    } else {
                        break
                    }
                }
                guard let fields = numberedFields(rest, leading: true, allowed: "ksp"),
                      let filters = fields[""], filters > 0 else { return notALayer }
                let kernel = try limited(fields["k"] ?? 3, "kernel size", NetworkLimits.window)
                guard kernel > 0 else { return notALayer }
                let stride = try limited(fields["s"] ?? 1, "stride", NetworkLimits.window)
                guard stride > 0 else { return notALayer }
                return .success(.conv(filters: try limited(filters, "number of filters", NetworkLimits.width),
                                      kernel: kernel, stride: stride,
                                      padding: try limited(fields["p"] ?? kernel / 2, "padding", NetworkLimits.window),
                                      bias: !withoutBias, relu: !withoutReLU))
            }
            if let rest = token.dropPrefix("preres") {
                guard let fields = numberedFields(rest, leading: true, allowed: "s"),
                      let channels = fields[""], channels > 0 else { return notALayer }
                let stride = try limited(fields["s"] ?? 1, "stride", NetworkLimits.window)
                guard stride > 0 else { return notALayer }
                return .success(.preActivation(channels: try limited(channels, "number of channels", NetworkLimits.width),
                                               stride: stride))
            }
            if let rest = token.dropPrefix("res") {
                guard let fields = numberedFields(rest, leading: true, allowed: "s"),
                      let channels = fields[""], channels > 0 else { return notALayer }
                let stride = try limited(fields["s"] ?? 1, "stride", NetworkLimits.window)
                guard stride > 0 else { return notALayer }
                return .success(.residual(channels: try limited(channels, "number of channels", NetworkLimits.width),
                                          stride: stride))
            }
            if let rest = token.dropPrefix("pool") {
                guard let fields = numberedFields(rest, leading: false, allowed: "s") else { return notALayer }
                let size = try limited(fields[""] ?? 2, "pool size", NetworkLimits.window)
                let stride = try limited(fields["s"] ?? size, "stride", NetworkLimits.window)
                guard size > 0, stride > 0 else { return notALayer }
                return .success(.pool(size: size, stride: stride))
            }
            if let rest = token.dropPrefix("fc") {
                guard !rest.isEmpty, rest.allSatisfy(\.isASCIIDigit) else { return notALayer }
                let units = Int(rest) ?? Int.max
                guard units > 0 else { return notALayer }
                return .success(.dense(units: try limited(units, "number of units", NetworkLimits.width)))
            }
        } catch {
            return .failure(error)
        }
        if token == "bn" { return .success(.batchNorm) }
        if token == "gap" { return .success(.globalAveragePool) }
        if let rest = token.dropPrefix("drop") {
            guard let rate = Float(rest), rate >= 0, rate < 1, rest.first?.isNumber == true else { return notALayer }
            return .success(.dropout(rate: rate))
        }
        return notALayer
    }

    /// Splits "32k5s2" into ["": 32, "k": 5, "s": 2]. The leading unnamed number is
    /// required when `leading` is true and optional otherwise; each letter at most once.
    /// A number too long for an Int reads as Int.max, so that it is refused as too
    /// large rather than as not a number.
    private static func numberedFields(_ text: Substring, leading: Bool, allowed: String) -> [String: Int]? {
        var fields: [String: Int] = [:]
        var rest = text[...]
        let firstDigits = rest.prefix(while: \.isASCIIDigit)
        if firstDigits.isEmpty {
            if leading { return nil }
        } else {
            fields[""] = Int(firstDigits) ?? Int.max
            rest = rest.dropFirst(firstDigits.count)
        }
        while let letter = rest.first {
            guard allowed.contains(letter), fields[String(letter)] == nil else { return nil }
            rest = rest.dropFirst()
            let digits = rest.prefix(while: \.isASCIIDigit)
            guard !digits.isEmpty else { return nil }
            fields[String(letter)] = Int(digits) ?? Int.max
            rest = rest.dropFirst(digits.count)
        }
        return fields
    }
}

/// A spec that cannot be parsed or cannot be built on the given input.
public struct SpecError: ReportableError, Equatable {
    public enum Problem: Equatable, Sendable {
        case unknownToken
        case convAfterDense
        /// A `bn` that does not come right after a conv, fc or preres layer.
        case batchNormWithoutLayer
        /// A conv, pool or gap layer after `gap`, where no image is left.
        case imageLayerAfterGlobalPool
        case doesNotFit(input: SampleShape)
        /// A number in the token above `NetworkLimits` (the field names which).
        case numberTooLarge(field: String, limit: Int)
        /// The token at `tokenIndex` is the first beyond the limit.
        case tooManyLayers(limit: Int)
        /// The layer at `tokenIndex` takes the network's parameter count past the limit.
        case tooManyParameters(limit: Int, input: SampleShape)
        /// The layer at `tokenIndex` needs more floats per sample than the limit.
        case tooManyValues(limit: Int, input: SampleShape)
        /// The implied last layer to the classes takes the parameter count past the limit.
        case outputTooLarge(classes: Int, limit: Int)
        /// The input alone holds more floats per sample than the limit.
        case inputTooLarge(input: SampleShape, limit: Int)
    }

    public let spec: String
    /// Zero-based index of the offending token.
    public let tokenIndex: Int
    public let token: String
    public let problem: Problem

    public init(spec: String, tokenIndex: Int, token: String, problem: Problem) {
        self.spec = spec
        self.tokenIndex = tokenIndex
        self.token = token
        self.problem = problem
    }

    public var description: String {
        let place = "Architecture \"\(spec)\": layer \(tokenIndex + 1) \"\(token)\""
        switch problem {
        case .unknownToken:
            let names = ArchitectureSpec.presets.map(\.name).joined(separator: ", ")
            return "\(place) is not a layer; write layers as convN[kK][sS][pP][nobias][norelu], pool[K][sS], fcN, dropR, bn, gap, resN[sS] or preresN[sS] joined by dashes (e.g. conv32-pool-fc128), or use a preset (\(names))."
        case .convAfterDense:
            return "\(place) comes after a dense layer, where no image is left to convolve or pool; put conv, pool, res and preres layers before the fc layers."
        case .batchNormWithoutLayer:
            return "\(place) does not follow a conv, fc or preres layer, the only layers batch norm normalizes; put bn right after one (e.g. conv32-bn-pool, fc128-bn or preres32-bn)."
        case .imageLayerAfterGlobalPool:
            return "\(place) comes after gap, where each channel is already pooled to one value and no image is left; put conv, pool, res and preres layers before gap, and only fc or drop layers after it."
        case .doesNotFit(let input):
            return "\(place) does not fit its \(input.height)x\(input.width) input; remove a pool or conv layer, or use a smaller kernel or stride."
        case .numberTooLarge(let field, let limit):
            return "\(place) asks for a \(field) above \(ReportTable.grouped(limit)), the most mimic allows; use a smaller \(field)."
        case .tooManyLayers(let limit):
            return "Architecture \"\(spec)\" has more than \(ReportTable.grouped(limit)) layers, the most mimic builds; use fewer layers."
        case .tooManyParameters(let limit, let input):
            return "\(place) brings the network on \(input) input past \(ReportTable.grouped(limit)) parameters, the most mimic builds; use fewer units or filters, or pool before the dense layers."
        case .tooManyValues(let limit, let input):
            return "\(place) needs more than \(ReportTable.grouped(limit)) values per sample on \(input) input, the most mimic allows; use fewer filters, a larger stride or less padding, or pool sooner."
        case .outputTooLarge(let classes, let limit):
            return "Architecture \"\(spec)\": its output layer to \(ReportTable.grouped(classes)) classes brings the network past \(ReportTable.grouped(limit)) parameters, the most mimic builds; make the last layer smaller, or use fewer classes."
        case .inputTooLarge(let input, let limit):
            return "Architecture \"\(spec)\" cannot take \(input) input, which holds more than \(ReportTable.grouped(limit)) values per sample, the most mimic allows; use smaller images."
        }
    }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? dropFirst(prefix.count) : nil
    }
}

extension Character {
    /// 0-9 only: `isNumber` also takes digits of other scripts and fractions, which Int() refuses.
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
