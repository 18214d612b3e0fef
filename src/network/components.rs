//! Connected pieces of a network, ignoring travel direction.

/// Which connected piece each node belongs to. Pieces are numbered by size, largest first.
#[derive(Debug, Clone)]
pub struct Components {
    of_node: Vec<u32>,
    sizes: Vec<usize>,
}

impl Components {
    /// The connected pieces of a graph with `node_count` nodes and these links.
    ///
    /// ```
    /// use kartrummet::network::Components;
    /// let c = Components::of(5, [(0, 1), (1, 2), (3, 4)]);
    /// assert_eq!(c.sizes(), &[3, 2]);
    /// assert_eq!(c.piece(0), c.piece(2));
    /// assert_ne!(c.piece(0), c.piece(3));
    /// ```
    pub fn of(node_count: usize, links: impl IntoIterator<Item = (u32, u32)>) -> Self {
        let mut parent: Vec<u32> = (0..node_count as u32).collect();
        fn root(parent: &mut [u32], mut n: u32) -> u32 {
            while parent[n as usize] != n {
                let grand = parent[parent[n as usize] as usize];
                parent[n as usize] = grand;
                n = grand;
            }
            n
        }
        for (a, b) in links {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            if ra != rb {
                parent[ra.max(rb) as usize] = ra.min(rb);
            }
        }
        let roots: Vec<u32> = (0..node_count as u32)
            .map(|n| root(&mut parent, n))
            .collect();
        let mut count = vec![0usize; node_count];
        for &r in &roots {
            count[r as usize] += 1;
        }
        let mut order: Vec<u32> = (0..node_count as u32)
            .filter(|&r| count[r as usize] > 0)
            .collect();
        order.sort_by_key(|&r| (std::cmp::Reverse(count[r as usize]), r));
        let mut number = vec![0u32; node_count];
        for (i, &r) in order.iter().enumerate() {
            number[r as usize] = i as u32;
        }
        Self {
            of_node: roots.iter().map(|&r| number[r as usize]).collect(),
            sizes: order.iter().map(|&r| count[r as usize]).collect(),
        }
    }

    /// Number of pieces.
    pub fn count(&self) -> usize {
        self.sizes.len()
    }

    /// Nodes per piece, largest first.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// The piece of `node` (0 is the largest).
    pub fn piece(&self, node: u32) -> u32 {
        self.of_node[node as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolated_nodes_are_pieces() {
        let c = Components::of(4, [(2, 3)]);
        assert_eq!(c.count(), 3);
        assert_eq!(c.sizes(), &[2, 1, 1]);
        assert_eq!(c.piece(2), 0);
    }

    #[test]
    fn empty_graph() {
        assert_eq!(Components::of(0, []).count(), 0);
    }
}
