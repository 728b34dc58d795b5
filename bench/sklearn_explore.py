#!/usr/bin/env python3
"""scikit-learn side of the preset exploration (docs/benchmarks.md, footnote 1 of the search table).

    /usr/bin/python3 bench/sklearn_explore.py ref
        cross-validates NB / LinearSVC / SGD / LogisticRegression over n-gram ranges and raw or
        sublinear tf on the reference folds (../shared/reference/cv-folds.json, setting all)
    /usr/bin/python3 bench/sklearn_explore.py groups
        writes the near-duplicate groups (cosine >= 0.99 on l2 ten-gram TF-IDF) to /tmp/g/groups.json
    /usr/bin/python3 bench/sklearn_explore.py grouped FOLDS.json
        the same grid on the folds of FOLDS.json (setting grouped)

Prints accuracy, ROC AUC, false positives at recall >= 0.986, FP and FN per configuration.
"""
import os, sys, json, time, numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC
from sklearn.linear_model import SGDClassifier, LogisticRegression
from sklearn.metrics import roc_auc_score, accuracy_score
from scipy.sparse.csgraph import connected_components
HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get('NTMD_SHARED', os.path.join(HERE, '..', '..', 'shared'))
C = os.path.join(SHARED, 'corpus')
names=[];texts=[];y=[]
for sub,lab in (('sysBEN',0),('sysMAL',1)):
    for f in sorted(os.listdir(os.path.join(C,sub))):
        p=os.path.join(C,sub,f)
        if os.path.getsize(p)==0: continue
        names.append(sub+'/'+f); texts.append(' '.join(open(p).read().split())); y.append(lab)
y=np.array(y)
ref=json.load(open(os.path.join(SHARED, 'reference', 'cv-folds.json')))
idx={n:i for i,n in enumerate(names)}
folds=[[idx[n] for n in f] for f in ref['settings']['all']['test_folds']]
if sys.argv[1]=='groups':
    X=TfidfVectorizer(ngram_range=(10,10)).fit_transform(texts)
    S=(X@X.T).toarray()
    A=(S>=0.99-1e-12)
    nc,lab=connected_components(A,directed=False)
    print(nc, file=sys.stderr)
    json.dump({'names':names,'labels':y.tolist(),'groups':lab.tolist()},open('/tmp/g/groups.json','w'))
    sys.exit()
if len(sys.argv)>2:
    g=json.load(open(sys.argv[2]))['settings']['grouped']['test_folds']
    folds=[[idx[n] for n in f] for f in g]
def fpat(y,s,r=0.986):
    o=np.argsort(-s,kind='mergesort'); P=y.sum()
    tp=fp=0
    ys=y[o]; ss=s[o]
    for k in range(len(ys)):
        if ys[k]: tp+=1
        else: fp+=1
        if (k==len(ys)-1 or ss[k+1]!=ss[k]) and tp/P>=r-1e-12: return fp
cache={}
def feats(ng,sub,fold):
    key=(ng,sub,fold)
    if key not in cache:
        te=folds[fold]; tr=[i for i in range(len(y)) if i not in set(te)]
        v=TfidfVectorizer(ngram_range=ng,sublinear_tf=sub)
        Xtr=v.fit_transform([texts[i] for i in tr]); Xte=v.transform([texts[i] for i in te])
        cache[key]=(tr,te,Xtr,Xte)
    return cache[key]
def run(name, ng, sub, mk):
    s=np.zeros(len(y)); t=time.time()
    for f in range(len(folds)):
        tr,te,Xtr,Xte=feats(ng,sub,f)
        m=mk().fit(Xtr,y[tr])
        s[te]=m.decision_function(Xte) if hasattr(m,'decision_function') else m.predict_log_proba(Xte)[:,1]-m.predict_log_proba(Xte)[:,0]
    if isinstance(mk(),MultinomialNB): pass
    pred=(s>0).astype(int)
    print(f"{name:40s} ng={ng} sub={sub} acc={accuracy_score(y,pred):.3f} auc={roc_auc_score(y,s):.4f} fp@.986={fpat(y,s)} fp={((pred==1)&(y==0)).sum()} fn={((pred==0)&(y==1)).sum()} {time.time()-t:.1f}s", flush=True)
for ng in [(10,10),(5,5),(3,5),(7,7)]:  # the runs quoted used (10,10) first
    for sub in [True,False]:
        run('nb a=0.01',ng,sub,lambda: MultinomialNB(alpha=0.01))
        run('nb a=0.1',ng,sub,lambda: MultinomialNB(alpha=0.1))
        run('svc l2 C=1',ng,sub,lambda: LinearSVC(random_state=0))
        run('svc l2 C=10',ng,sub,lambda: LinearSVC(C=10,random_state=0))
        run('sgd hinge',ng,sub,lambda: SGDClassifier(random_state=0))
        run('logreg C=100',ng,sub,lambda: LogisticRegression(C=100,max_iter=1000))
    cache.clear()
