package storage

// AfterCommit exposes afterCommit to the package's tests.
var AfterCommit = afterCommit
