"""Community analytics: the columnar snapshot, Ibis pipelines, engines, the network graph."""
