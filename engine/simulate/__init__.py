"""`rekindle simulate`: ticks over simulated time on a throwaway copy of the store, as a timeline."""
