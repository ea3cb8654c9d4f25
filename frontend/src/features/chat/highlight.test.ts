import { describe, expect, it } from "vitest";
import { itemsInExcerpt } from "./highlight";

// Text items as pdf.js gives them for page 12 of project-history.fr.pdf.
const page = [
  "Bref historique de Debian", " ", "6 / 20", "", "Chapitre 4", "",
  "Debian a été créée en août 1993 par Ian Murdock alors qu’il était étudiant à l’université de Purdue. Debian a été parrainée la",
  "première année (de novembre 1994 à novembre 1995) par le projet GNU de The Free Software Foundation, organisation créée",
  "« La Debian 0.93, en version 6, est sortie en novembre 1995 et a été la dernière version au format a.out. Il y avait environ 60 dé-",
  "veloppeurs pour maintenir les paquets de la version 0.93R6.",
];

describe("itemsInExcerpt", () => {
  it("finds an excerpt that is only part of a line", () => {
    expect(itemsInExcerpt(page, "Debian a été créée en août 1993 par Ian Murdock alors qu’il était étudiant à l’université de Purdue.")).toEqual([6]);
  });

  it("follows an excerpt across lines and a hyphenated break", () => {
    expect(itemsInExcerpt(page, "Il y avait environ 60 développeurs pour maintenir les paquets")).toEqual([8, 9]);
  });

  it("anchors on both ends when a character inside was read differently", () => {
    const excerpt = "Debian a été parrainée la première année (de novembre 1994 a novembre 1995) par le projet GNU";
    expect(itemsInExcerpt(page, excerpt)).toEqual([6, 7]);
  });

  it("finds a table row whose cells our reader joined with ' | '", () => {
    // pdf.js gives a row's label and each value as separate items.
    const table = ["Fiscal Years Ended", "2023", "2022", "Effective tax rate", "20.7", " ", "%", "19.0", " ", "%", "Diluted EPS", "$", "6.29"];
    expect(itemsInExcerpt(table, "Effective tax rate | 20.7 % | 19.0 %")).toEqual([3, 4, 6, 7, 9]);
  });

  it("highlights nothing for text that is not on the page", () => {
    expect(itemsInExcerpt(page, "Ubuntu was first released in October 2004 by Canonical.")).toEqual([]);
    expect(itemsInExcerpt(page, "")).toEqual([]);
  });
});
