import Foundation
import MimicEngine
import Testing

/// A loss as the tests see it: logits in, mean loss out, gradient written alongside.
private typealias LossFunction = (_ logits: [Float], _ gradient: inout [Float]) -> Double

private let batch = 3
private let classes = 4

/// Logits spread enough that no class is a near tie, so finite differences stay smooth.
private let studentLogits: [Float] = [0.3, -1.2, 2.0, 0.5, 1.1, 0.0, -0.7, 0.4, -2.0, 1.5, 0.2, 0.9]
private let mentorLogits: [Float] = [1.0, -0.5, 0.1, 2.2, -1.0, 2.5, 0.3, 0.0, 0.6, 0.2, -1.4, 1.8]
private let labels: [UInt8] = [2, 0, 3]

private func crossEntropy(_ labels: [UInt8]) -> LossFunction {
    { logits, gradient in
        SoftmaxCrossEntropy.lossAndGradient(
            logits: logits, labels: labels, batch: logits.count / classes, classes: classes,
            gradient: &gradient)
    }
}

private func mimic(_ loss: MimicLoss, mentor: [Float] = mentorLogits, temperature: Float = 2) -> LossFunction {
    { logits, gradient in
        loss.lossAndGradient(
            studentLogits: logits, mentorLogits: mentor, batch: logits.count / classes,
            classes: classes, temperature: temperature, gradient: &gradient)
    }
}

private func gradient(of loss: LossFunction, at logits: [Float]) -> (loss: Double, gradient: [Float]) {
    var gradient = [Float](repeating: .nan, count: logits.count)
    let value = loss(logits, &gradient)
    return (value, gradient)
}

/// Central differences, one logit at a time: the reference every analytic gradient meets.
private func expectMatchesFiniteDifferences(_ loss: LossFunction, at logits: [Float]) {
    let analytic = gradient(of: loss, at: logits).gradient
    var scratch = [Float](repeating: 0, count: logits.count)
    let h: Float = 1e-3
    for index in logits.indices {
        var plus = logits, minus = logits
        plus[index] += h
        minus[index] -= h
        let numeric = (loss(plus, &scratch) - loss(minus, &scratch))
            / Double(plus[index] - minus[index])
        let tolerance = 1e-2 * abs(numeric) + 1e-4
        #expect(abs(Double(analytic[index]) - numeric) <= tolerance,
                "logit \(index): analytic \(analytic[index]), numeric \(numeric)")
    }
}

@Suite struct LossTests {
    @Test func crossEntropyGradientMatchesFiniteDifferences() {
        expectMatchesFiniteDifferences(crossEntropy(labels), at: studentLogits)
    }

    @Test(arguments: MimicLoss.allCases)
    func mimicGradientMatchesFiniteDifferences(loss: MimicLoss) {
        expectMatchesFiniteDifferences(mimic(loss), at: studentLogits)
    }

    @Test(arguments: [Float(0.5), 1, 4])
    func softTargetGradientMatchesFiniteDifferencesAtEveryTemperature(temperature: Float) {
        expectMatchesFiniteDifferences(mimic(.kd, temperature: temperature), at: studentLogits)
    }

    @Test func uniformLogitsCostLogOfClassCount() {
        let uniform = [Float](repeating: 0.25, count: batch * classes)
        let (loss, gradient) = gradient(of: crossEntropy(labels), at: uniform)
        #expect(abs(loss - log(Double(classes))) < 1e-12)
        // Each row's gradient is (1/classes − onehot) / batch.
        #expect(abs(gradient[0] - 0.25 / 3) < 1e-7)
        #expect(abs(gradient[2] - (0.25 - 1) / 3) < 1e-7)
    }

    @Test func evaluationAgreesWithTrainingLossAndCountsHits() {
        let trained = gradient(of: crossEntropy(labels), at: studentLogits).loss
        let evaluation = SoftmaxCrossEntropy.evaluate(
            logits: studentLogits, labels: labels, batch: batch, classes: classes)
        #expect(abs(evaluation.loss - trained) < 1e-12)
        // Row arg-maxes are 2, 0, 1 against labels 2, 0, 3.
        #expect(evaluation.correct == 2)
    }

    @Test(arguments: [MimicLoss.kd, .mse])
    func studentMatchingItsMentorHasNoLoss(loss: MimicLoss) {
        let (value, gradient) = gradient(of: mimic(loss, mentor: studentLogits), at: studentLogits)
        #expect(value == 0)
        #expect(gradient.allSatisfy { abs($0) < 1e-7 })
    }

    @Test func hardTargetsAreCrossEntropyOnTheMentorsArgMax() {
        // Row arg-maxes of the mentor: 3, 1, 3.
        let argMaxLabels: [UInt8] = [3, 1, 3]
        let hard = gradient(of: mimic(.hard), at: studentLogits)
        let reference = gradient(of: crossEntropy(argMaxLabels), at: studentLogits)
        #expect(hard.loss == reference.loss)
        #expect(hard.gradient == reference.gradient)
    }

    @Test func squaredErrorIsHalfTheSumPerSampleAveragedOverTheBatch() {
        let mentor: [Float] = [1, 2, 3, 4, 0, 0, 0, 0]
        let student: [Float] = [1, 2, 3, 6, 1, -1, 1, -1]
        var gradient = [Float](repeating: 0, count: 8)
        let loss = MimicLoss.mse.lossAndGradient(
            studentLogits: student, mentorLogits: mentor, batch: 2, classes: 4,
            temperature: 1, gradient: &gradient)
        // Sample 1: ½·2² = 2; sample 2: ½·4 = 2; mean 2. Gradient (z − t) / 2.
        #expect(loss == 2)
        #expect(gradient == [0, 0, 0, 1, 0.5, -0.5, 0.5, -0.5])
    }

    @Test func extremeLogitsStayFinite() {
        let extreme: [Float] = [1000, -1000, 0, 999, -1000, 1000, -1000, 1000, 0, 0, 1000, -1000]
        let flipped = extreme.map { -$0 }
        let functions = [crossEntropy(labels)]
            + MimicLoss.allCases.map { mimic($0, mentor: flipped, temperature: 1) }
            + [mimic(.kd, mentor: flipped, temperature: 0.1)]
        for function in functions {
            let (loss, gradient) = gradient(of: function, at: extreme)
            #expect(loss.isFinite && loss >= 0)
            #expect(gradient.allSatisfy { $0.isFinite })
        }
        let evaluation = SoftmaxCrossEntropy.evaluate(
            logits: extreme, labels: labels, batch: batch, classes: classes)
        #expect(evaluation.loss.isFinite)
    }

    @Test(arguments: [Float(1), 3, 10])
    func softTargetGradientIsTemperatureTimesTheSoftmaxGap(temperature: Float) {
        // d(T²·KL)/dz = T² · (1/T) · (softmax(z/T) − softmax(t/T)) / batch.
        func softmax(_ row: ArraySlice<Float>) -> [Double] {
            let scaled = row.map { Double($0) / Double(temperature) }
            let largest = scaled.max()!
            let exps = scaled.map { exp($0 - largest) }
            let sum = exps.reduce(0, +)
            return exps.map { $0 / sum }
        }
        let computed = gradient(of: mimic(.kd, temperature: temperature), at: studentLogits).gradient
        for i in 0..<batch {
            let rows = (i * classes)..<((i + 1) * classes)
            let q = softmax(studentLogits[rows]), p = softmax(mentorLogits[rows])
            for k in 0..<classes {
                let expected = Double(temperature) * (q[k] - p[k]) / Double(batch)
                #expect(abs(Double(computed[i * classes + k]) - expected) < 1e-6)
            }
        }
    }

    @Test func softTargetsAtHighTemperatureBecomeLogitMatching() {
        // Hinton 2015 §2.1: for zero-mean logits, as T grows, T²·KL tends to the squared
        // logit error divided by the class count; so do the gradients.
        func centred(_ logits: [Float]) -> [Float] {
            stride(from: 0, to: logits.count, by: classes).flatMap { start -> [Float] in
                let row = logits[start..<(start + classes)]
                let mean = row.reduce(0, +) / Float(classes)
                return row.map { $0 - mean }
            }
        }
        let student = centred(studentLogits), mentor = centred(mentorLogits)
        let soft = gradient(of: mimic(.kd, mentor: mentor, temperature: 1000), at: student)
        let squared = gradient(of: mimic(.mse, mentor: mentor), at: student)
        #expect(abs(soft.loss - squared.loss / Double(classes)) < 1e-3 * squared.loss)
        for (s, m) in zip(soft.gradient, squared.gradient) {
            #expect(abs(s - m / Float(classes)) < 1e-3)
        }
    }

    @Test func emptyBatchCostsNothing() {
        var gradient: [Float] = []
        #expect(SoftmaxCrossEntropy.lossAndGradient(logits: [], labels: [], batch: 0, classes: classes, gradient: &gradient) == 0)
        for loss in MimicLoss.allCases {
            #expect(loss.lossAndGradient(studentLogits: [], mentorLogits: [], batch: 0, classes: classes,
                                         temperature: 1, gradient: &gradient) == 0)
        }
    }

    @Test func everyLossExplainsItself() {
        for loss in MimicLoss.allCases {
            #expect(!loss.summary.isEmpty && !loss.summary.contains("\n"))
        }
    }
}
