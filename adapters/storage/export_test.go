package storage

// AfterCommit exposes afterCommit to the package's tests.
var AfterCommit = afterCommit

// CacheLen tells how many entries the read cache behind cs holds.
func CacheLen(cs ConfigStores) int { return cs.Applications.(*cachedApplications).c.len() }
