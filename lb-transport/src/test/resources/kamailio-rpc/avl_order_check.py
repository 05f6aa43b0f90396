# Standard AVL insert + post-order traversal; reproduces the RECORDS (set) order
# observed in the dispatcher.list captures (see README.md, "Ordering"). Run: python3 avl_order_check.py
class N:
    def __init__(s,k): s.k=k; s.l=None; s.r=None; s.h=1
def h(n): return n.h if n else 0
def upd(n): n.h=1+max(h(n.l),h(n.r))
def rr(y): x=y.l; y.l=x.r; x.r=y; upd(y); upd(x); return x
def rl(x): y=x.r; x.r=y.l; y.l=x; upd(x); upd(y); return y
def ins(n,k):
    if not n: return N(k)
    if k==n.k: return n
    if k<n.k: n.l=ins(n.l,k)
    else: n.r=ins(n.r,k)
    upd(n); b=h(n.l)-h(n.r)
    if b>1:
        if k>n.l.k: n.l=rl(n.l)
        return rr(n)
    if b<-1:
        if k<n.r.k: n.r=rr(n.r)
        return rl(n)
    return n
def post(n): return post(n.l)+post(n.r)+[n.k] if n else []
def build(keys):
    t=None
    for k in keys: t=ins(t,k)
    return t
cur=post(build([1,2])); print("load", cur)
def add(cur,new): return post(build(cur+[new]))
def rem(cur,gone=None): return post(build([k for k in cur if k!=gone]))
cur=add(cur,1); print("052 add 1", cur)
cur=add(cur,3); print("053 add 3", cur)
cur=add(cur,3); print("054", cur)
cur=add(cur,1); print("055", cur)
cur=add(cur,1); print("056 bad uri (rebuild)", cur)
cur=add(cur,1); print("057 bad socket (rebuild)", cur)
cur=add(cur,0); print("058 add 0 -> 060", cur)
cur=rem(cur); print("061", cur); cur=rem(cur); print("062", cur); cur=rem(cur); print("063 -> 065", cur)
print("073 load", post(build([1,2,1,2,1,3,3,3,4,4,4])))
cur=post(build([5])); cur=add(cur,6); cur=add(cur,6); cur=add(cur,6); print("107",cur); cur=add(cur,7); print("109",cur); cur=rem(cur,7); print("111",cur)
