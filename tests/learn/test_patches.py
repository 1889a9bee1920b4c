#!/usr/bin/python3
"""featuremaps learn --patches: PCA, spherical k-means and FastICA against
numpy and sklearn on exactly the patches featuremaps sampled
(--dump-patches).

  pca     components equal numpy's eigenvectors of the patches' covariance
          up to sign within 1e-4, biases −f·mean, the explained fraction;
  kmeans  the 1-sparse code objective of the learned centroids (recovered
          from the filters through the ZCA matrix numpy builds itself),
          computed by sklearn's OMP coder, is within 2 % of the best of five
          runs of an independent numpy implementation of Coates and Ng's
          algorithm (sklearn has no spherical k-means; featuremaps keeps the
          best of three starts);
  ica     the summed negentropy of the learned sources is within 2 % of the
          median of five runs of sklearn's FastICA on the same
          contrast-normalised patches (its runs differ by ~2 % among
          themselves: local optima);
  all     the same seed gives the same bank byte for byte; other seeds (with
          40000 patches) give the same statistics (within 2 %, ICA 10 %).

usage: test_patches.py FEATUREMAPS
"""
import os
import re

import numpy as np

import learntest as lt


def learn(exe, tmp, images, method, K, size, mode, seed=1, samples=None, tag=None, name=None):
    tag = tag or "%s-%s-%d" % (method, mode, seed)
    bank = os.path.join(tmp, tag + ".json")
    dump = os.path.join(tmp, tag + "-patches.npy")
    args = ["learn", "--patches", *images, "--filters", K, "--size", size, "--mode", mode,
            "--method", method, "--seed", seed, "--dump-patches", dump, "-o", bank]
    if samples:
        args += ["--samples", samples]
    if name:
        args += ["--name", name]
    rc, out, err = lt.run(exe, *args)
    if rc != 0:
        raise RuntimeError("learn %s: %s %s" % (tag, out, err))
    m = re.search(r"objective: ([0-9.eE+-]+)", out)
    P = np.load(dump).astype(np.float64)
    return bank, P.reshape(len(P), -1), float(m.group(1)), out


def check_pca(exe, tmp, f, images, mode, K, size):
    bank, X, objective, _ = learn(exe, tmp, images, "pca", K, size, mode)
    W, b, doc = lt.bank_filters(bank)
    mean = X.mean(axis=0)
    C = np.cov(X, rowvar=False, bias=True)
    lam, V = np.linalg.eigh(C)
    lam, V = lam[::-1], V[:, ::-1]
    gaps = np.abs(np.diff(lam[:K + 1])) / lam[0]
    # float rounding moves a component by ~1e-16 / gap: far below 1e-4 here
    f.check(np.all(gaps > 1e-6), "pca %s: the test data has near-equal eigenvalues %s" % (mode, gaps))
    f.check(W.shape == (K, X.shape[1]), "pca %s: bank shape %s" % (mode, W.shape))
    worst = 0.0
    for k in range(K):
        v = V[:, k]
        worst = max(worst, min(np.max(np.abs(W[k] - v)), np.max(np.abs(W[k] + v))))
    f.check(worst <= 1e-4, "pca %s: components differ from numpy's by %.2g (want <= 1e-4)" % (mode, worst))
    f.check(np.max(np.abs(b + W @ mean)) <= 1e-4, "pca %s: bias is not -f.mean" % mode)
    want = lam[:K].sum() / lam.sum()
    f.check(abs(objective - want) <= 1e-5, "pca %s: explained %.6f, numpy %.6f" % (mode, objective, want))
    scores = [float(re.search(r"\(([0-9.]+) %", fl["name"]).group(1)) for fl in doc["filters"]]
    f.check(scores == sorted(scores, reverse=True), "pca %s: filters not sorted by variance" % mode)
    print("pca    %-11s %2d filters: max |component - numpy| %.2g, explained %.4f"
          % (mode, K, worst, objective))
    return objective


def kmeans_objective(Xw, D):
    """The 1-sparse code's mean squared error, coded by sklearn's OMP."""
    from sklearn.decomposition import SparseCoder
    coder = SparseCoder(dictionary=D, transform_algorithm="omp", transform_n_nonzero_coefs=1)
    codes = coder.transform(Xw)
    return float(np.mean(np.sum((Xw - codes @ D) ** 2, axis=1)))


def check_kmeans(exe, tmp, f, images, mode, K, size):
    bank, X, objective, out = learn(exe, tmp, images, "kmeans", K, size, mode)
    W, _, doc = lt.bank_filters(bank)
    Xw, Z, _ = lt.zca(lt.contrast_normalise(X))
    D = np.linalg.solve(Z, W.T).T               # centroids back in whitened space
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    ours = kmeans_objective(Xw, D)
    f.check(abs(ours - objective) <= 2e-3 * objective,
            "kmeans %s: reported objective %.6g, sklearn measures %.6g" % (mode, objective, ours))
    # featuremaps keeps the best of three starts: so does the reference, of five
    refs = [kmeans_objective(Xw, lt.spherical_kmeans(Xw, K, seed)) for seed in range(11, 16)]
    ref = float(np.min(refs))
    f.check(abs(ours - ref) <= 0.02 * ref,
            "kmeans %s: objective %.5g, reference %.5g (%+.2f %%)" % (mode, ours, ref, 100 * (ours / ref - 1)))
    shares = [float(re.search(r"\(([0-9.]+) %", fl["name"]).group(1)) for fl in doc["filters"]]
    f.check(shares == sorted(shares, reverse=True) and abs(sum(shares) - 100) < 0.1 * K,
            "kmeans %s: shares %s not sorted or not summing to 100" % (mode, shares))
    print("kmeans %-11s %2d filters: objective %.5g, numpy Coates-Ng best of 5 %.5g (%+.2f %%; %s)"
          % (mode, K, ours, ref, 100 * (ours / ref - 1), " ".join("%.5g" % r for r in refs)))
    return ours


def check_ica(exe, tmp, f, images, mode, K, size):
    from sklearn.decomposition import FastICA
    bank, X, objective, _ = learn(exe, tmp, images, "ica", K, size, mode)
    W, _, _ = lt.bank_filters(bank)
    Xn = lt.contrast_normalise(X)
    ours = lt.negentropy((Xn - Xn.mean(axis=0)) @ W.T)
    f.check(abs(ours - objective) <= 2e-3 * objective,
            "ica %s: reported negentropy %.6g, numpy measures %.6g" % (mode, objective, ours))
    refs = []
    for seed in range(5):
        ica = FastICA(n_components=K, algorithm="parallel", whiten="unit-variance", fun="logcosh",
                      max_iter=400, tol=1e-4, random_state=seed)
        refs.append(lt.negentropy(ica.fit_transform(Xn)))
    ref = float(np.median(refs))
    f.check(abs(ours - ref) <= 0.02 * ref,
            "ica %s: negentropy %.5g, sklearn %.5g (%+.2f %%; sklearn's seeds %s)"
            % (mode, ours, ref, 100 * (ours / ref - 1), refs))
    print("ica    %-11s %2d filters: negentropy %.5g, sklearn FastICA median of 5 %.5g (%+.2f %%; %s)"
          % (mode, K, ours, ref, 100 * (ours / ref - 1), " ".join("%.5g" % r for r in refs)))
    return ours


def main():
    exe = lt.binary()
    f = lt.Failures("learn-patches")
    tmp = lt.workdir("fm-learn-patches-")
    rng = np.random.default_rng(4242)

    # PCA: an anisotropic texture (distinct eigenvalues); k-means and ICA:
    # piecewise-flat images (edges: far from Gaussian)
    from scipy.ndimage import gaussian_filter
    aniso = rng.random((160, 200, 3))
    aniso = gaussian_filter(aniso, (0.8, 2.0, 0)) + 0.3 * gaussian_filter(aniso, (3.0, 0.6, 0))
    aniso = ((aniso - aniso.min()) / np.ptp(aniso)).astype(np.float32)
    tex = [os.path.join(tmp, "aniso.npy")]
    np.save(tex[0], aniso)
    cart = []
    for i in range(2):
        cart.append(os.path.join(tmp, "cartoon%d.npy" % i))
        np.save(cart[-1], lt.cartoon(rng, 160, 180, 3))

    check_pca(exe, tmp, f, tex, "luminance", 12, "6x6")
    check_pca(exe, tmp, f, tex, "full", 10, "3x3")
    check_pca(exe, tmp, f, tex, "per-channel", 8, "5x4")
    check_kmeans(exe, tmp, f, cart, "luminance", 16, "6x6")
    check_kmeans(exe, tmp, f, cart, "full", 24, "5x5")
    check_ica(exe, tmp, f, cart, "luminance", 12, "6x6")
    check_ica(exe, tmp, f, cart, "full", 12, "4x4")

    # the same seed, the same bank; other seeds, the same statistics
    for method, images, K, size, tol in (("pca", tex, 12, "6x6", 0.02),
                                         ("kmeans", cart, 16, "6x6", 0.02),
                                         ("ica", cart, 12, "6x6", 0.10)):
        b1, _, o1, _ = learn(exe, tmp, images, method, K, size, "luminance", seed=5, tag="a", name="same")
        b2, _, o2, _ = learn(exe, tmp, images, method, K, size, "luminance", seed=5, tag="b", name="same")
        f.check(open(b1).read() == open(b2).read(), "%s: the same seed gave different banks" % method)
        objs = [learn(exe, tmp, images, method, K, size, "luminance", seed=s, tag="s%d" % s,
                      samples=40000)[2] for s in (21, 22, 23, 24)]
        spread = (max(objs) - min(objs)) / np.mean(objs)
        f.check(spread <= tol, "%s: objective over seeds %s spreads %.1f %% (want <= %.0f %%)"
                % (method, objs, 100 * spread, 100 * tol))
        print("%-6s seeds 21-24: objective %s (spread %.2f %%)"
              % (method, " ".join("%.5g" % o for o in objs), 100 * spread))
    f.finish()


if __name__ == "__main__":
    main()
