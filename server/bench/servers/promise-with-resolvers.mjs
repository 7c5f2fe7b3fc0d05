// PostGraphile 5 (grafast) calls Promise.withResolvers, which Node 22 has and Node 20 lacks. Loaded with
// `node --import` in the PostGraphile 5 child only; same semantics as the standard method.
if (typeof Promise.withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value: function withResolvers() {
      let resolve;
      let reject;
      const promise = new this((resolvePromise, rejectPromise) => {
        resolve = resolvePromise;
        reject = rejectPromise;
      });
      return { promise, resolve, reject };
    },
  });
}
