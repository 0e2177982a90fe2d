import Catalog
import ServiceKit

await ServiceRunner.run(Catalog.definition)
