import Testing
import PropertyBased
@testable import SafehouseRedaction

@Test func smoke() async {
    await propertyCheck(input: Gen.int(in: 0...100)) { n in #expect(n <= 100) }
}
