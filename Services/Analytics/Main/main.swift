import Analytics
import ServiceKit

await ServiceRunner.run(Analytics.definition)
