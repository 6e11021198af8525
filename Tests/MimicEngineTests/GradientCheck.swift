import MimicEngine

/// Checks a layer's backward pass against central finite differences of
/// f = Σ r · forward(x) for a fixed random r, so dF/dOutput = r.
struct GradientCheck {
    var batch: Int
    var epsilon: Float = 1e-2
    var tolerance: Double = 2e-2
    /// How many input and parameter entries to probe (all when smaller).
    var probes = 40

    struct Mismatch: CustomStringConvertible {
        let what: String
        let index: Int
        let analytic: Double
        let numeric: Double
        var description: String { "\(what)[\(index)]: analytic \(analytic) vs numeric \(numeric)" }
    }

    /// `makeLayer` is called for every evaluation when `fresh` is set (for layers whose
    /// forward draws random numbers, like dropout); otherwise once.
    func run(_ layer: Layer, input: [Float], fresh: (() -> Layer)? = nil, seed: UInt64 = 1) -> [Mismatch] {
        var random = SeededRandom(seed: seed, stream: "gradcheck")
        let outCount = batch * layer.outputShape.count
        let r = (0..<outCount).map { _ in random.nextGaussian() }
        var x = input

        func objective(_ layer: Layer) -> Double {
            x.withUnsafeBufferPointer { xs in
                let y = layer.forward(xs.baseAddress!, batch: batch, training: true)
                var sum = 0.0
                for i in 0..<outCount { sum += Double(r[i]) * Double(y[i]) }
                return sum
            }
        }

        // Analytic gradients.
        let inputGradient: [Float] = x.withUnsafeBufferPointer { xs in
            _ = layer.forward(xs.baseAddress!, batch: batch, training: true)
            return r.withUnsafeBufferPointer { rs in
                let dx = layer.backward(rs.baseAddress!, batch: batch, needsInputGradient: true)!
                return Array(UnsafeBufferPointer(start: dx, count: x.count))
            }
        }
        let parameterGradients = layer.parameters.map { Array(UnsafeBufferPointer(start: $0.gradient, count: $0.count)) }

        var mismatches: [Mismatch] = []
        func compare(_ what: String, _ index: Int, analytic: Float, perturb: (Float) -> Void, restore: () -> Void) {
            perturb(epsilon)
            let plus = objective(fresh?() ?? layer)
            perturb(-epsilon)
            let minus = objective(fresh?() ?? layer)
            restore()
            let numeric = (plus - minus) / (2 * Double(epsilon))
            let scale = max(1, abs(numeric), abs(Double(analytic)))
            if abs(numeric - Double(analytic)) > tolerance * scale {
                mismatches.append(Mismatch(what: what, index: index, analytic: Double(analytic), numeric: numeric))
            }
        }

        for index in probeIndices(count: x.count, random: &random) {
            let original = x[index]
            compare("input", index, analytic: inputGradient[index],
                    perturb: { x[index] = original + $0 }, restore: { x[index] = original })
        }
        for (p, parameter) in layer.parameters.enumerated() {
            for index in probeIndices(count: parameter.count, random: &random) {
                let original = parameter.value[index]
                compare(parameter.name, index, analytic: parameterGradients[p][index],
                        perturb: { parameter.value[index] = original + $0 }, restore: { parameter.value[index] = original })
            }
        }
        return mismatches
    }

    private func probeIndices(count: Int, random: inout SeededRandom) -> [Int] {
        if count <= probes { return Array(0..<count) }
        return (0..<probes).map { _ in Int(random.next() % UInt64(count)) }
    }
}

/// Gaussian values kept at least `margin` away from zero, so that a ReLU kink is
/// never crossed by a finite-difference step.
func randomInput(count: Int, seed: UInt64, margin: Float = 0) -> [Float] {
    var random = SeededRandom(seed: seed, stream: "input")
    return (0..<count).map { _ in
        var v = random.nextGaussian()
        while abs(v) < margin { v = random.nextGaussian() }
        return v
    }
}
