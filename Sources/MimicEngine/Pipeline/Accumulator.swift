/// Sums of train metrics over a span of steps.
struct Accumulator {
    var loss = 0.0
    var hits = 0
    var samples = 0
    var seconds = 0.0

    mutating func add(loss batchLoss: Double, hits batchHits: Int, samples batch: Int, seconds elapsed: Double) {
        loss += batchLoss * Double(batch)
        hits += batchHits
        samples += batch
        seconds += elapsed
    }

    var meanLoss: Double { samples > 0 ? loss / Double(samples) : 0 }
    var accuracy: Double { samples > 0 ? Double(hits) / Double(samples) : 0 }
    var samplesPerSecond: Double { seconds > 0 ? Double(samples) / seconds : 0 }
}
