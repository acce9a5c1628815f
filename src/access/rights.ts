/** Rights on one phone book, as a group's resource grants them. */
export interface Rights {
  read: boolean;
  write: boolean;
  offline: boolean;
}

export const NO_RIGHTS: Readonly<Rights> = Object.freeze({
  read: false,
  write: false,
  offline: false,
});
export const ALL_RIGHTS: Readonly<Rights> = Object.freeze({
  read: true,
  write: true,
  offline: true,
});

/** Write and offline imply read, as the contract says. */
export function impliedRights(rights: Rights): Rights {
  return {
    read: rights.read || rights.write || rights.offline,
    write: rights.write,
    offline: rights.offline,
  };
}

/** The union of several groups' rights. */
export function unionRights(a: Rights, b: Rights): Rights {
  return { read: a.read || b.read, write: a.write || b.write, offline: a.offline || b.offline };
}
