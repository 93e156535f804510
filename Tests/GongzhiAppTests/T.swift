import Testing
import VaporTesting
@Test func t() { #expect(1 + 1 == 2) }
